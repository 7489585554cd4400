import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { mapRow } from './mapping.js';
import { compileFlow } from './pipeline.js';

const flow = compileFlow(
  parseFlowDefinition({
    id: 'solar',
    name: 'Solar',
    fields: [
      { name: 'first_name', required: true },
      { name: 'email', required: true },
      { name: 'phone_1' },
      { name: 'state' },
      { name: 'roof_type', type: 'choice', choices: ['shingle', 'tile'] },
    ],
    acceptance: {
      all: [
        { field: 'email', op: 'format is valid' },
        { field: 'state', op: 'is included in', value: ['TX', 'CA'] },
      ],
    },
    duplicates: { keys: ['email', 'phone_1'] },
    sources: [{ id: 'picky', acceptance: { all: [{ field: 'phone_1', op: 'is not blank' }] } }, { id: 'easy' }],
  }),
);

const raw = (values: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, values);

describe('compileFlow().evaluate', () => {
  it('drops NUL characters from values, so no stored value or duplicate key holds one', () => {
    const result = flow.evaluate(raw({ first_name: 'Ma\u0000ria', email: 'maria@x.com\u0000', state: 'TX' }), 'easy');
    expect(result.accepted).toBe(true);
    expect(result.fields).toMatchObject({ first_name: 'Maria', email: 'maria@x.com' });
    expect(result.keys).toEqual(['email=maria@x.com']);
  });
  it('normalises by type and accepts a good lead with its duplicate keys', () => {
    const result = flow.evaluate(
      raw({
        first_name: ' Maria ',
        email: 'MARIA@x.com',
        phone_1: '(512) 555-0143',
        state: 'Texas',
        roof_type: 'Tile',
      }),
      'easy',
    );
    expect(result.accepted).toBe(true);
    expect({ ...result.fields }).toEqual({
      first_name: 'Maria',
      email: 'maria@x.com',
      phone_1: '+15125550143',
      state: 'TX',
      roof_type: 'tile',
    });
    expect(result.keys).toEqual(['email=maria@x.com', 'phone_1=+15125550143']);
  });
  it('rules see normalised values (California -> CA)', () => {
    expect(flow.evaluate(raw({ first_name: 'A', email: 'a@x.com', state: 'California' }), 'easy').accepted).toBe(true);
  });
  it('collects every reason: required fields, flow criteria, source criteria', () => {
    const result = flow.evaluate(raw({ email: 'nope', state: 'NY' }), 'picky');
    expect(result.accepted).toBe(false);
    expect(result.reasons).toEqual([
      'first_name is required',
      'email is invalid: not a valid email address',
      'state must be one of TX, CA',
      'phone_1 is required',
    ]);
    expect(result.keys).toEqual([]);
  });
  it('keeps invalid values raw in the stored fields', () => {
    const result = flow.evaluate(raw({ first_name: 'A', email: 'a@x.com', state: 'TX', roof_type: 'straw' }), 'easy');
    expect(result.fields.roof_type).toBe('straw');
    expect(result.values.roof_type).toMatchObject({ valid: false, issue: 'not one of shingle, tile' });
  });
  it('ignores columns that are not fields and is safe with prototype-like names', () => {
    const input = raw({ first_name: 'A', email: 'a@x.com', state: 'TX' });
    // biome-ignore lint/suspicious/noProto: the test is that a header named __proto__ is an ordinary key
    input.__proto__ = 'x';
    const result = flow.evaluate(input, 'easy');
    expect(result.accepted).toBe(true);
    expect(Object.keys(result.fields)).not.toContain('__proto__');
  });
  it('reads a field named like an Object.prototype member only from the row', () => {
    const withConstructor = compileFlow(
      parseFlowDefinition({
        id: 'odd',
        name: 'Odd',
        fields: [{ name: 'email', required: true }, { name: 'constructor', required: true }, { name: 'valueof' }],
        sources: [{ id: 'easy' }],
      }),
    );
    const missing = withConstructor.evaluate(mapRow(['a@x.com'], ['email']), 'easy');
    expect(missing).toMatchObject({ accepted: false, reasons: ['constructor is required'] });
    expect(JSON.stringify(missing.fields)).toBe('{"email":"a@x.com"}');
    const given = withConstructor.evaluate(mapRow(['a@x.com', 'Acme'], ['email', 'constructor']), 'easy');
    expect(given.accepted).toBe(true);
    expect(JSON.stringify(given.fields)).toBe('{"email":"a@x.com","constructor":"Acme"}');
  });
});

describe('compileFlow(spec, hints, now)', () => {
  it('reads two-digit years against the time passed in, not the clock', () => {
    const spec = parseFlowDefinition({
      id: 'dates',
      name: 'Dates',
      fields: [{ name: 'dob', type: 'date' }],
      sources: [{ id: 'easy' }],
    });
    const in2024 = compileFlow(spec, {}, new Date('2024-06-30T00:00:00Z'));
    const in2031 = compileFlow(spec, {}, new Date('2031-01-01T00:00:00Z'));
    expect(in2024.evaluate(raw({ dob: '03/04/30' }), 'easy').fields.dob).toBe('1930-03-04');
    expect(in2031.evaluate(raw({ dob: '03/04/30' }), 'easy').fields.dob).toBe('2030-03-04');
  });
});
