import { normalise, type NormaliseContext } from './field-types.js';
import type { FieldSpec } from './flow-spec.js';

const NUMERIC_DATE = /^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}/;

/**
 * Whether a date column is day-first: only when its values prove it (a first part over 12 with a second
 * part that can be a month, as in 25/12/1990). Month-first (US) otherwise.
 */
export function inferDayFirst(values: readonly string[]): boolean {
  let dayFirst = false;
  for (const value of values) {
    const match = NUMERIC_DATE.exec(value);
    if (!match) continue;
    const first = Number(match[1]);
    const second = Number(match[2]);
    if (second > 12 && first <= 12) return false;
    if (first > 12 && second <= 12) dayFirst = true;
  }
  return dayFirst;
}

export interface SampleCheck {
  /** Non-blank sample values. */
  readonly checked: number;
  readonly invalid: number;
  /** A few invalid values with the reason, for the user to look at. */
  readonly examples: readonly { value: string; issue: string }[];
  /** Values that were repaired (a restored ZIP zero, an Excel serial date). */
  readonly repaired: number;
}

/** Checks a column's sample values against its target field's type, before anything is imported. */
export function checkSamples(field: FieldSpec, values: readonly string[], context: NormaliseContext): SampleCheck {
  let checked = 0;
  let invalid = 0;
  let repaired = 0;
  const examples: { value: string; issue: string }[] = [];
  for (const value of values) {
    if (value.trim() === '') continue;
    checked++;
    const result = normalise(field.type, value, { ...context, choices: field.choices });
    if (!result.valid) {
      invalid++;
      if (examples.length < 3) examples.push({ value, issue: result.issue ?? 'invalid' });
    } else if (result.issue) {
      repaired++;
    }
  }
  return { checked, invalid, examples, repaired };
}
