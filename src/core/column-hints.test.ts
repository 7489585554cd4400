import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { checkSamples, inferDayFirst, samplesContradict, valueKind } from './column-hints.js';

describe('inferDayFirst', () => {
  it('is month-first unless a value proves day-first', () => {
    expect(inferDayFirst(['03/04/1985', '01/02/1990'])).toBe(false);
    expect(inferDayFirst(['03/04/1985', '25/12/1990'])).toBe(true);
    expect(inferDayFirst(['12/25/1990', '03/04/1985'])).toBe(false);
    expect(inferDayFirst(['1985-03-04', ''])).toBe(false);
  });
});

describe('checkSamples', () => {
  const [zip, phone] = parseFlowDefinition({
    id: 'f',
    name: 'F',
    fields: [{ name: 'postal_code' }, { name: 'phone_1' }],
  }).fields;
  it('counts invalid and repaired values with examples', () => {
    expect(checkSamples(zip!, ['2134', '78701', 'abc', ''], { phoneRegion: 'US' })).toEqual({
      checked: 3,
      invalid: 1,
      repaired: 1,
      examples: [{ value: 'abc', issue: 'not a valid US, Canadian or UK postal code' }],
    });
    const check = checkSamples(phone!, ['1.2025550143E+09', '(512) 555-0101'], { phoneRegion: 'US' });
    expect(check.invalid).toBe(1);
    expect(check.examples[0]?.issue).toContain('scientific notation');
  });
});

describe('samplesContradict', () => {
  const fields = parseFlowDefinition({
    id: 'f',
    name: 'F',
    fields: [{ name: 'job_title' }, { name: 'dob' }, { name: 'company' }, { name: 'phone_1' }, { name: 'email' }],
  }).fields;
  const field = (name: string) => fields.find((candidate) => candidate.name === name)!;
  it('vetoes salutations, yes/no flags and values that cannot be of the type', () => {
    expect(samplesContradict(field('job_title'), ['Mr.', 'Mrs.', 'Dr', 'Frau'])).toBe(
      'its values are salutations (Mr., Mrs.)',
    );
    expect(samplesContradict(field('company'), ['ja', '1', 'JA', 'nein'])).toBe('its values are yes/no flags');
    expect(samplesContradict(field('dob'), ['1', '17', '31'])).toBe('its values are not dates');
    expect(samplesContradict(field('phone_1'), ['pager', 'home', 'work'])).toBe('its values are not phone values');
    expect(samplesContradict(field('email'), ['ann', 'bob', 'cy'])).toBe('its values are not email values');
  });
  it('needs a few values, and lets real values through', () => {
    expect(samplesContradict(field('job_title'), ['Mr.', ''])).toBeUndefined();
    expect(samplesContradict(field('job_title'), ['CEO', 'Mr. Fix-it', 'Buyer'])).toBeUndefined();
    expect(samplesContradict(field('dob'), ['25.08.1992', '1987-12-27', '12/25/1990'])).toBeUndefined();
    expect(samplesContradict(field('phone_1'), ['077 901 23 45', '+41 44 123 45 67', '0800 123 333'])).toBeUndefined();
  });
});

describe('valueKind', () => {
  const context = { phoneRegion: 'US' };
  it('recognises columns by their values alone', () => {
    expect(valueKind(['a@x.com', 'b@y.org'], context)).toBe('email');
    expect(valueKind(['https://a.example', 'www.b.example'], context)).toBe('url');
    expect(valueKind(['10.0.0.1', '192.168.1.20'], context)).toBe('ip_address');
    expect(valueKind(['1980-04-02', '12/25/1990'], context)).toBe('date');
    expect(valueKind(['(512) 555-0101', '512.555.0102'], context)).toBe('phone');
    expect(valueKind(['78701', '02134'], context)).toBe('postal_code');
    expect(valueKind(['Texas', 'CA'], context)).toBe('state');
    expect(valueKind(['Ann', 'Bob'], context)).toBeUndefined();
    expect(valueKind(['a@x.com'], context)).toBeUndefined();
  });
});
