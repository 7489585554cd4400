import { normalise, type FieldType, type NormaliseContext } from './field-types.js';
import type { FieldSpec } from './flow-spec.js';
import { foldAccents } from './header-words.js';

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

// Values that fill no standard field: a salutation column ("title" in Mautic and Outlook) and a yes/no flag
// ("company" in hitobito: is this contact a company?).
const SALUTATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'sir',
  'madam',
  'herr',
  'frau',
  'hr',
  'fr',
  'm',
  'mme',
  'mlle',
  'monsieur',
  'madame',
  'sr',
  'sra',
  'srta',
  'senor',
  'senora',
  'don',
  'dona',
  'sig',
  'sigra',
  'signor',
  'signora',
  'dhr',
  'mevr',
  'mw',
  'heer',
  'mevrouw',
]);
const YES_NO = new Set([
  'yes',
  'no',
  'y',
  'n',
  'true',
  'false',
  '1',
  '0',
  'x',
  'ja',
  'nein',
  'oui',
  'non',
  'si',
  'sim',
  'nao',
  'wahr',
  'falsch',
  'nee',
]);

// Vetoes need a few values: a one-row sample ("Phone 1 - Value: pager" in a test export) proves nothing.
const VETO_MINIMUM = 3;
const VETO_SHARE = 0.8;

const word = (value: string) =>
  foldAccents(value)
    .replace(/[.\s]+/g, ' ')
    .trim();

/** Loose shapes: what a value of each type cannot look like, whatever the country it comes from. */
const NOT_OF_TYPE: Partial<Record<FieldType, (value: string) => boolean>> = {
  email: (value) => !value.includes('@'),
  phone: (value) => (value.match(/\d/g)?.length ?? 0) < 5,
  // A day of the month, a month or a year alone is part of a date, not a date ("Birth Day": 1-31).
  date: (value) => /^\d{1,4}$/.test(value.trim()) || !/\d/.test(value),
  url: (value) => !/[.:]/.test(value) || /\s/.test(value.trim()),
};

/**
 * Why a column's sample values rule out a field its header names, or undefined when they do not: most
 * values are salutations (Mr., Mrs.), yes/no flags, or cannot be values of the field's type (no digits for a
 * phone, a day number for a date of birth). Needs a few non-blank values.
 */
export function samplesContradict(field: FieldSpec, values: readonly string[]): string | undefined {
  const present = values.map((value) => value.trim()).filter((value) => value !== '');
  if (present.length < VETO_MINIMUM) return undefined;
  const share = (test: (value: string) => boolean) => present.filter(test).length / present.length >= VETO_SHARE;
  if (field.type !== 'choice' && share((value) => SALUTATIONS.has(word(value))))
    return 'its values are salutations (Mr., Mrs.)';
  if (
    field.type !== 'boolean' &&
    field.type !== 'number' &&
    field.type !== 'choice' &&
    share((value) => YES_NO.has(word(value)))
  )
    return 'its values are yes/no flags';
  const notOfType = NOT_OF_TYPE[field.type];
  if (notOfType && share(notOfType))
    return `its values are not ${field.type === 'date' ? 'dates' : `${field.type} values`}`;
  return undefined;
}

/** What kinds of values a column without a usable header holds, most telling first. */
export type ValueKind = 'email' | 'url' | 'ip_address' | 'date' | 'phone' | 'postal_code' | 'state';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const URLISH = /^(https?:\/\/|www\.)\S+$|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(\/\S*)?$/i;
const KIND_SHARE = 0.8;

/**
 * Recognises a column by its values alone, for files without a header row: e-mail addresses, web
 * addresses, IP addresses, dates, phone numbers, postal codes, states. Undefined when no kind fits most
 * non-blank values (at least two).
 */
export function valueKind(values: readonly string[], context: NormaliseContext): ValueKind | undefined {
  const present = values.map((value) => value.trim()).filter((value) => value !== '');
  if (present.length < 2) return undefined;
  const most = (test: (value: string) => boolean) => present.filter(test).length / present.length >= KIND_SHARE;
  const valid = (type: FieldType) => (value: string) => normalise(type, value, context).valid;
  if (most(valid('email'))) return 'email';
  if (most((value) => URLISH.test(value) && !value.includes('@'))) return 'url';
  if (most((value) => IPV4.test(value))) return 'ip_address';
  if (most((value) => /[-/.]/.test(value) && !NOT_OF_TYPE.date?.(value) && valid('date')(value))) return 'date';
  if (most((value) => (value.match(/\d/g)?.length ?? 0) >= 7 && valid('phone')(value))) return 'phone';
  if (most(valid('postal_code'))) return 'postal_code';
  if (most((value) => /[a-z]/i.test(value) && valid('state')(value))) return 'state';
  return undefined;
}
