import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { OPERATORS } from '../core/rules.js';
import { parseFlowDefinition } from './flow.schema.js';

const example = JSON.parse(fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'));

function problemsOf(input: unknown): string[] {
  try {
    parseFlowDefinition(input);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return ((error as AppError).details?.problems as string[]) ?? [];
  }
  throw new Error('expected the definition to be refused');
}

describe('parseFlowDefinition', () => {
  it('applies catalogue types, labels and defaults to the example flow', () => {
    const spec = parseFlowDefinition(example);
    expect(spec.defaultPhoneRegion).toBe('US');
    expect(spec.fields.find((f) => f.name === 'first_name')).toMatchObject({
      type: 'string',
      label: 'First name',
      required: true,
      custom: false,
    });
    expect(spec.fields.find((f) => f.name === 'roof_type')).toMatchObject({
      type: 'choice',
      custom: true,
      choices: [
        { value: 'shingle', label: 'shingle' },
        { value: 'tile', label: 'tile' },
        { value: 'metal', label: 'metal' },
      ],
    });
    expect(spec.duplicates).toEqual({ keys: ['email'], windowDays: 30, action: 'reject', scope: 'flow' });
    expect(spec.sources).toEqual([{ id: 'acme-media', name: 'Acme Media', acceptance: undefined }]);
  });
  it('lists every schema problem with its path', () => {
    const problems = problemsOf({
      id: 'bad id!',
      fields: [{ name: 'Email' }],
      duplicates: { keys: [], action: 'drop' },
    });
    expect(problems.some((p) => p.startsWith('id:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('name:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('fields.0.name:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('duplicates.action:'))).toBe(true);
  });
  it('reads per-field update policies and refuses them for unknown fields or the reject action', () => {
    const spec = parseFlowDefinition({
      ...example,
      duplicates: { keys: ['email'], action: 'update', fields: { phone_1: 'if_empty', last_name: 'always' } },
    });
    expect(spec.duplicates?.fields).toEqual({ phone_1: 'if_empty', last_name: 'always' });
    expect(
      problemsOf({ ...example, duplicates: { keys: ['email'], action: 'update', fields: { fax: 'always' } } }),
    ).toEqual(['duplicates.fields.fax: "fax" is not a field of this flow']);
    expect(problemsOf({ ...example, duplicates: { keys: ['email'], fields: { phone_1: 'always' } } })).toEqual([
      'duplicates.fields: per-field policies apply to the actions update and merge, not reject',
    ]);
    expect(
      problemsOf({
        ...example,
        duplicates: { keys: ['email'], action: 'update', fields: { phone_1: 'sometimes' } },
      })[0],
    ).toMatch(/^duplicates\.fields\.phone_1:/);
  });
  it('refuses references to fields the flow does not have', () => {
    const problems = problemsOf({
      ...example,
      acceptance: { all: [{ field: 'income', op: 'is not blank' }] },
      duplicates: { keys: ['phone_2'] },
    });
    expect(problems).toEqual([
      'acceptance.0.field: "income" is not a field of this flow',
      'duplicates.keys: "phone_2" is not a field of this flow',
    ]);
  });
  it('refuses unknown operators, choice fields without choices, repeated fields and bad patterns', () => {
    const shiny = problemsOf({
      ...example,
      acceptance: { all: [{ field: 'email', op: 'is not blank' }, { any: [{ field: 'state', op: 'is shiny' }] }] },
    });
    expect(shiny).toEqual([`acceptance.1.0.op: "is shiny" is not an operator; use one of: ${OPERATORS.join(', ')}`]);
    expect(
      problemsOf({
        ...example,
        sources: [{ id: 'a', acceptance: { all: [{ field: 'email', operator: 'is blank' }] } }],
      }),
    ).toEqual([
      `sources.0.acceptance.0.op: is missing; use one of: ${OPERATORS.join(', ')}`,
      'sources.0.acceptance.0.operator: unknown key (a rule has "field", "op" and "value")',
    ]);
    expect(problemsOf({ ...example, acceptance: { every: [] } })).toEqual([
      'acceptance: must have exactly one of "all" or "any" (has "every")',
    ]);
    expect(problemsOf({ ...example, fields: [...example.fields, { name: 'color', type: 'choice' }] })).toEqual([
      'fields.7.choices: a choice field needs choices',
    ]);
    expect(problemsOf({ ...example, fields: [...example.fields, { name: 'email' }] })).toEqual([
      'fields.7.name: "email" is defined twice',
    ]);
    expect(
      problemsOf({ ...example, acceptance: { all: [{ field: 'email', op: 'matches pattern', value: '(' }] } }),
    ).toEqual([
      'acceptance.0.value: the pattern "(" of rule "email matches pattern" cannot be used: missing closing ): `(` (patterns use RE2 syntax: no backreferences or lookarounds)',
    ]);
  });
  it('refuses patterns the linear-time engine cannot run (backreferences, lookarounds), naming the rule', () => {
    const sources = [
      { id: 'acme', acceptance: { any: [{ field: 'email', op: 'does not match pattern', value: '^(?!x)' }] } },
    ];
    const problems = problemsOf({
      ...example,
      acceptance: { all: [{ field: 'first_name', op: 'matches pattern', value: '(a)\\1' }] },
      sources,
    });
    expect(problems).toEqual([
      'acceptance.0.value: the pattern "(a)\\\\1" of rule "first_name matches pattern" cannot be used: invalid escape sequence: `\\1` (patterns use RE2 syntax: no backreferences or lookarounds)',
      expect.stringMatching(
        /^sources\.0\.acceptance\.0\.value: the pattern "\^\(\?!x\)" of rule "email does not match pattern" cannot be used: /,
      ),
    ]);
    expect(
      parseFlowDefinition({
        ...example,
        acceptance: { all: [{ field: 'first_name', op: 'matches pattern', value: '^(a+)+$' }] },
      }).acceptance,
    ).toBeDefined();
  });
  it('refuses nesting deeper than one level', () => {
    const deep = { all: [{ any: [{ all: [{ field: 'email', op: 'is not blank' }] }] }] };
    expect(problemsOf({ ...example, acceptance: deep })).toEqual([
      'acceptance.0.0: rule sets nest one level deep only',
    ]);
  });
});
