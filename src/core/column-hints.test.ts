import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../flows/flow.schema.js';
import { checkSamples, inferDayFirst } from './column-hints.js';

describe('inferDayFirst', () => {
  it('is month-first unless a value proves day-first', () => {
    expect(inferDayFirst(['03/04/1985', '01/02/1990'])).toBe(false);
    expect(inferDayFirst(['03/04/1985', '25/12/1990'])).toBe(true);
    expect(inferDayFirst(['12/25/1990', '03/04/1985'])).toBe(false);
    expect(inferDayFirst(['1985-03-04', ''])).toBe(false);
  });
});

describe('checkSamples', () => {
  const [zip, phone] = parseFlowDefinition({ id: 'f', name: 'F', fields: [{ name: 'postal_code' }, { name: 'phone_1' }] }).fields;
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
