import { RE2JS } from 're2js';
import { isBlankValue, type FieldValue, type Scalar } from './field-types.js';

/** Acceptance-criteria operators, as LeadConduit names them. */
export const OPERATORS = [
  'is blank',
  'is not blank',
  'format is valid',
  'format is invalid',
  'is equal to',
  'is not equal to',
  'is included in',
  'is not included in',
  'is greater than',
  'is less than',
  'is greater than or equal to',
  'is less than or equal to',
  'is between',
  'matches pattern',
  'does not match pattern',
  'includes',
  'does not include',
  'is true',
  'is false',
] as const;

export type Operator = (typeof OPERATORS)[number];

export interface Rule {
  readonly field: string;
  readonly op: Operator;
  readonly value?: unknown;
}

/** A rule set: all (every member passes) or any (at least one passes). Members are rules or, one level deep, sets. */
export type RuleSet = { readonly all: readonly RuleOrSet[] } | { readonly any: readonly RuleOrSet[] };
export type RuleOrSet = Rule | RuleSet;

export type Values = Readonly<Record<string, FieldValue>>;

/** The result of a rule set: pass, or the human reasons it failed. */
export interface Verdict {
  readonly pass: boolean;
  readonly reasons: readonly string[];
}

const PASS: Verdict = Object.freeze({ pass: true, reasons: [] });

export function isRuleSet(item: RuleOrSet): item is RuleSet {
  return 'all' in item || 'any' in item;
}

/** Evaluates a rule set against normalised values; comparisons are case-insensitive. */
export function evaluateRuleSet(set: RuleSet, values: Values): Verdict {
  if ('all' in set) {
    const reasons: string[] = [];
    for (const member of set.all) {
      const verdict = evaluateMember(member, values);
      if (!verdict.pass) reasons.push(...verdict.reasons);
    }
    return reasons.length === 0 ? PASS : { pass: false, reasons };
  }
  if (set.any.length === 0) return PASS;
  const alternatives: string[] = [];
  for (const member of set.any) {
    const verdict = evaluateMember(member, values);
    if (verdict.pass) return PASS;
    alternatives.push(verdict.reasons.join(' and '));
  }
  return { pass: false, reasons: [alternatives.join(', or ')] };
}

function evaluateMember(member: RuleOrSet, values: Values): Verdict {
  if (isRuleSet(member)) return evaluateRuleSet(member, values);
  const value = values[member.field];
  return evaluateRule(member, value) ? PASS : { pass: false, reasons: [describeFailure(member, value)] };
}

function comparable(value: unknown): string {
  return String(value).trim().toLowerCase();
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value)
    ? value
    : String(value ?? '')
        .split(',')
        .map((item) => item.trim());
}

function asNumber(value: Scalar | unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean' || value === null || value === undefined) return Number.NaN;
  const text = String(value).trim();
  return text === '' ? Number.NaN : Number(text);
}

// Dates compare as yyyy-mm-dd strings; numbers as numbers; anything else as lowercase text.
function compare(left: Scalar, right: unknown): number | undefined {
  const a = asNumber(left);
  const b = asNumber(right);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  if (left === null || right === null || right === undefined) return undefined;
  const x = comparable(left);
  const y = comparable(right);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Patterns come from flow definitions, and a backtracking engine (RegExp) can take exponential time on
// some of them ("^(a+)+$"), blocking the process for every lead. RE2 matches in time linear in the input;
// it has no backreferences or lookarounds, which a flow is told about when it is saved.
const patternCache = new Map<string, RE2JS>();

/**
 * Compiles a rule's pattern (RE2 syntax, case-insensitive); throws an Error saying why when the engine
 * cannot compile it. Flows are checked with it when saved.
 */
export function compilePattern(source: unknown): RE2JS {
  const key = String(source);
  let regex = patternCache.get(key);
  if (!regex) {
    regex = RE2JS.compile(key, RE2JS.CASE_INSENSITIVE);
    patternCache.set(key, regex);
  }
  return regex;
}

// A flow saved before patterns were checked may hold one RE2 refuses (a lookahead): such a rule fails
// either way, with its own reason, rather than failing the whole batch.
function patternMatches(source: unknown, subject: Scalar): boolean | undefined {
  try {
    return compilePattern(source).test(String(subject));
  } catch {
    return undefined;
  }
}

function usablePattern(source: unknown): boolean {
  return patternMatches(source, '') !== undefined;
}

/** Evaluates one rule: the field's normal value if it parsed, its raw text otherwise. */
export function evaluateRule(rule: Rule, value: FieldValue | undefined): boolean {
  const blank = isBlankValue(value);
  const subject: Scalar = value ? (value.valid ? value.normal : value.raw.trim()) : null;
  switch (rule.op) {
    case 'is blank':
      return blank;
    case 'is not blank':
      return !blank;
    case 'format is valid':
      return !blank && value?.valid === true;
    case 'format is invalid':
      return !blank && value?.valid !== true;
    case 'is equal to':
      return !blank && compare(subject, rule.value) === 0;
    case 'is not equal to':
      return blank || compare(subject, rule.value) !== 0;
    case 'is included in':
      return !blank && asList(rule.value).some((item) => compare(subject, item) === 0);
    case 'is not included in':
      return blank || !asList(rule.value).some((item) => compare(subject, item) === 0);
    case 'is greater than':
      return !blank && (compare(subject, rule.value) ?? 0) > 0;
    case 'is less than':
      return !blank && (compare(subject, rule.value) ?? 0) < 0;
    case 'is greater than or equal to':
      return !blank && (compare(subject, rule.value) ?? -1) >= 0;
    case 'is less than or equal to':
      return !blank && (compare(subject, rule.value) ?? 1) <= 0;
    case 'is between': {
      const [low, high] = asList(rule.value);
      return !blank && (compare(subject, low) ?? -1) >= 0 && (compare(subject, high) ?? 1) <= 0;
    }
    case 'matches pattern':
      return !blank && patternMatches(rule.value, subject) === true;
    case 'does not match pattern':
      return blank ? usablePattern(rule.value) : patternMatches(rule.value, subject) === false;
    case 'includes':
      return !blank && comparable(subject).includes(comparable(rule.value));
    case 'does not include':
      return blank || !comparable(subject).includes(comparable(rule.value));
    case 'is true':
      return value?.normal === true;
    case 'is false':
      return value?.normal === false;
  }
}

function listText(value: unknown): string {
  return asList(value).map(String).join(', ');
}

/** The human reason a rule failed ("email is required", "state must be one of TX, CA"). */
export function describeFailure(rule: Rule, value?: FieldValue): string {
  const field = rule.field;
  switch (rule.op) {
    case 'is blank':
      return `${field} must be blank`;
    case 'is not blank':
      return `${field} is required`;
    case 'format is valid':
      if (isBlankValue(value)) return `${field} is required`;
      return value?.issue ? `${field} is invalid: ${value.issue}` : `${field} is invalid`;
    case 'format is invalid':
      return `${field} must be an invalid value`;
    case 'is equal to':
      return `${field} must be ${String(rule.value)}`;
    case 'is not equal to':
      return `${field} must not be ${String(rule.value)}`;
    case 'is included in':
      return `${field} must be one of ${listText(rule.value)}`;
    case 'is not included in':
      return `${field} must not be one of ${listText(rule.value)}`;
    case 'is greater than':
      return `${field} must be greater than ${String(rule.value)}`;
    case 'is less than':
      return `${field} must be less than ${String(rule.value)}`;
    case 'is greater than or equal to':
      return `${field} must be at least ${String(rule.value)}`;
    case 'is less than or equal to':
      return `${field} must be at most ${String(rule.value)}`;
    case 'is between': {
      const [low, high] = asList(rule.value);
      return `${field} must be between ${String(low)} and ${String(high)}`;
    }
    case 'matches pattern':
    case 'does not match pattern':
      if (!usablePattern(rule.value))
        return `${field} cannot be checked: the flow's pattern is not supported (save the flow again to see why)`;
      return rule.op === 'matches pattern'
        ? `${field} does not match the required pattern`
        : `${field} matches a forbidden pattern`;
    case 'includes':
      return `${field} must include "${String(rule.value)}"`;
    case 'does not include':
      return `${field} must not include "${String(rule.value)}"`;
    case 'is true':
      return `${field} must be yes`;
    case 'is false':
      return `${field} must be no`;
  }
}
