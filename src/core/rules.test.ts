import { describe, expect, it } from 'vitest';
import { normalise, type FieldType, type FieldValue } from './field-types.js';
import {
  OPERATORS,
  compilePattern,
  describeFailure,
  evaluateRule,
  evaluateRuleSet,
  type Operator,
  type Rule,
} from './rules.js';

function values(entries: Record<string, [FieldType, string]>): Record<string, FieldValue> {
  return Object.fromEntries(
    Object.entries(entries).map(([name, [type, raw]]) => [name, normalise(type, raw, { phoneRegion: 'US' })]),
  );
}

const lead = values({
  email: ['email', 'Maria@Example.com'],
  bad_email: ['email', 'maria@'],
  state: ['state', 'California'],
  age: ['number', '42'],
  dob: ['date', '03/14/1985'],
  first_name: ['string', 'Maria'],
  notes: ['string', 'Call after 5pm'],
  blank: ['string', '  '],
  opt_in: ['boolean', 'yes'],
  opt_out: ['boolean', 'no'],
});

const check = (field: string, op: Operator, value?: unknown) => evaluateRule({ field, op, value }, lead[field]);

describe('every operator', () => {
  it('is blank / is not blank', () => {
    expect(check('blank', 'is blank')).toBe(true);
    expect(check('missing_field', 'is blank')).toBe(true);
    expect(check('email', 'is blank')).toBe(false);
    expect(check('email', 'is not blank')).toBe(true);
    expect(check('blank', 'is not blank')).toBe(false);
  });
  it('format is valid / invalid', () => {
    expect(check('email', 'format is valid')).toBe(true);
    expect(check('bad_email', 'format is valid')).toBe(false);
    expect(check('blank', 'format is valid')).toBe(false);
    expect(check('bad_email', 'format is invalid')).toBe(true);
    expect(check('email', 'format is invalid')).toBe(false);
  });
  it('is equal to / is not equal to, case-insensitively on the normal value', () => {
    expect(check('state', 'is equal to', 'ca')).toBe(true);
    expect(check('email', 'is equal to', 'MARIA@example.COM')).toBe(true);
    expect(check('state', 'is not equal to', 'TX')).toBe(true);
    expect(check('state', 'is not equal to', 'CA')).toBe(false);
    expect(check('age', 'is equal to', '42')).toBe(true);
  });
  it('is included in / is not included in, from a list or comma text', () => {
    expect(check('state', 'is included in', ['TX', 'CA', 'AZ'])).toBe(true);
    expect(check('state', 'is included in', 'tx, ca')).toBe(true);
    expect(check('state', 'is included in', ['TX', 'AZ'])).toBe(false);
    expect(check('state', 'is not included in', ['TX', 'AZ'])).toBe(true);
    expect(check('blank', 'is included in', ['TX'])).toBe(false);
  });
  it('greater / less than (or equal), numbers as numbers and dates as dates', () => {
    expect(check('age', 'is greater than', 18)).toBe(true);
    expect(check('age', 'is greater than', 42)).toBe(false);
    expect(check('age', 'is greater than or equal to', 42)).toBe(true);
    expect(check('age', 'is less than', '100')).toBe(true);
    expect(check('age', 'is less than or equal to', 41)).toBe(false);
    expect(check('dob', 'is less than', '2000-01-01')).toBe(true);
    expect(check('blank', 'is less than', 5)).toBe(false);
  });
  it('is between, inclusive', () => {
    expect(check('age', 'is between', [18, 65])).toBe(true);
    expect(check('age', 'is between', [42, 42])).toBe(true);
    expect(check('age', 'is between', [50, 65])).toBe(false);
    expect(check('dob', 'is between', ['1980-01-01', '1989-12-31'])).toBe(true);
  });
  it('matches pattern / does not match pattern, case-insensitively', () => {
    expect(check('first_name', 'matches pattern', '^mar')).toBe(true);
    expect(check('first_name', 'matches pattern', '^x')).toBe(false);
    expect(check('first_name', 'does not match pattern', '\\d')).toBe(true);
  });
  it('matches patterns in linear time: a catastrophic pattern on a long input answers at once', () => {
    // A backtracking engine takes exponential time here (30 characters took seconds): the test would time out.
    const long = normalise('string', `${'a'.repeat(5000)}!`, { phoneRegion: 'US' });
    expect(evaluateRule({ field: 'value', op: 'matches pattern', value: '^(a+)+$' }, long)).toBe(false);
    expect(evaluateRule({ field: 'value', op: 'does not match pattern', value: '^(a|aa)+$' }, long)).toBe(true);
    expect(evaluateRule({ field: 'value', op: 'matches pattern', value: '^(A+)+!$' }, long)).toBe(true);
  });
  it('refuses to compile what RE2 does not support, and fails a rule holding such a pattern with a reason', () => {
    expect(() => compilePattern('(a)\\1')).toThrow(/invalid escape sequence/);
    expect(() => compilePattern('(?=a)')).toThrow();
    const value = normalise('string', 'aa', { phoneRegion: 'US' });
    expect(evaluateRule({ field: 'x', op: 'matches pattern', value: '(a)\\1' }, value)).toBe(false);
    expect(evaluateRule({ field: 'x', op: 'does not match pattern', value: '(a)\\1' }, value)).toBe(false);
    expect(describeFailure({ field: 'x', op: 'matches pattern', value: '(a)\\1' })).toMatch(
      /^x cannot be checked: the flow's pattern is not supported/,
    );
    expect(describeFailure({ field: 'x', op: 'matches pattern', value: '^a' })).toBe(
      'x does not match the required pattern',
    );
  });
  it('includes / does not include', () => {
    expect(check('notes', 'includes', 'AFTER')).toBe(true);
    expect(check('notes', 'does not include', 'before')).toBe(true);
    expect(check('notes', 'does not include', 'call')).toBe(false);
  });
  it('is true / is false', () => {
    expect(check('opt_in', 'is true')).toBe(true);
    expect(check('opt_out', 'is true')).toBe(false);
    expect(check('opt_out', 'is false')).toBe(true);
    expect(check('blank', 'is false')).toBe(false);
  });
  it('covers the whole operator list', () => {
    expect(OPERATORS).toHaveLength(19);
  });
});

describe('rule sets', () => {
  const stateRule: Rule = { field: 'state', op: 'is included in', value: ['TX', 'AZ'] };
  const emailRule: Rule = { field: 'email', op: 'format is valid' };

  it('all: passes when every rule passes, else lists every failure', () => {
    expect(evaluateRuleSet({ all: [emailRule] }, lead)).toEqual({ pass: true, reasons: [] });
    const verdict = evaluateRuleSet(
      { all: [emailRule, stateRule, { field: 'bad_email', op: 'format is valid' }] },
      lead,
    );
    expect(verdict).toEqual({
      pass: false,
      reasons: ['state must be one of TX, AZ', 'bad_email is invalid: not a valid email address'],
    });
  });
  it('any: passes when one rule passes, else says what would have', () => {
    expect(evaluateRuleSet({ any: [stateRule, emailRule] }, lead).pass).toBe(true);
    const verdict = evaluateRuleSet({ any: [stateRule, { field: 'blank', op: 'is not blank' }] }, lead);
    expect(verdict).toEqual({ pass: false, reasons: ['state must be one of TX, AZ, or blank is required'] });
  });
  it('one level of nesting', () => {
    const set = { all: [emailRule, { any: [stateRule, { field: 'age', op: 'is greater than', value: 40 } as Rule] }] };
    expect(evaluateRuleSet(set, lead).pass).toBe(true);
    const failing = {
      all: [emailRule, { any: [stateRule, { field: 'age', op: 'is greater than', value: 50 } as Rule] }],
    };
    expect(evaluateRuleSet(failing, lead)).toEqual({
      pass: false,
      reasons: ['state must be one of TX, AZ, or age must be greater than 50'],
    });
  });
  it('gives readable reasons', () => {
    expect(evaluateRuleSet({ all: [{ field: 'blank', op: 'format is valid' }] }, lead).reasons).toEqual([
      'blank is required',
    ]);
    expect(evaluateRuleSet({ all: [{ field: 'age', op: 'is between', value: [50, 60] }] }, lead).reasons).toEqual([
      'age must be between 50 and 60',
    ]);
  });
});
