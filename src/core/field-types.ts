import { z } from 'zod';
import { normalisePhone } from './phone.js';
import {
  COUNTRY_ALIASES,
  DISPOSABLE_EMAIL_DOMAINS,
  FREE_EMAIL_DOMAINS,
  REGION_ABBREVIATIONS,
  REGIONS,
} from './reference-data.js';
import { cleanText } from './text.js';

export const FIELD_TYPES = [
  'string',
  'email',
  'phone',
  'postal_code',
  'state',
  'country',
  'date',
  'number',
  'boolean',
  'choice',
  'url',
] as const;

export type FieldType = (typeof FIELD_TYPES)[number];

export type Scalar = string | number | boolean | null;

/**
 * A value after normalisation, like LeadConduit's typed values: the raw text, the normal form (null when
 * blank or unparseable), whether it parsed, the parts, and why it is invalid or what was repaired.
 */
export interface FieldValue {
  readonly raw: string;
  readonly normal: Scalar;
  readonly valid: boolean;
  readonly parts?: Readonly<Record<string, Scalar>>;
  readonly issue?: string;
}

export interface Choice {
  readonly value: string;
  readonly label: string;
}

/** What a normaliser may need beyond the raw text. */
export interface NormaliseContext {
  /** ISO 3166 region for national phone numbers. */
  readonly phoneRegion: string;
  /** Choices of a choice field. */
  readonly choices?: readonly Choice[];
  /** Dates such as 03/04/2024 read day-first (the column proved it). */
  readonly dayFirst?: boolean;
  /** Excel serial dates use the 1904 system (old Mac workbooks). */
  readonly date1904?: boolean;
  /**
   * The current year (UTC), for two-digit years: up to its last two digits they are 20yy, above 19yy.
   * Passed in by the caller that owns the clock (compileFlow's `now`); the clock's when absent.
   */
  readonly year?: number;
}

type Normaliser = (raw: string, text: string, context: NormaliseContext) => FieldValue;

/** Normalises one raw value by type. Blank input gives normal null, valid false, and no issue. */
export function normalise(type: FieldType, raw: string, context: NormaliseContext): FieldValue {
  const text = cleanText(raw);
  if (text === '') return { raw, normal: null, valid: false };
  return NORMALISERS[type](raw, text, context);
}

/** True when a raw value is blank once invisible characters and spaces are removed. */
export function isBlankValue(value: FieldValue | undefined): boolean {
  return value === undefined || (value.normal === null && cleanText(value.raw) === '');
}

const invalid = (raw: string, issue: string): FieldValue => ({ raw, normal: null, valid: false, issue });

const EMAIL = z.regexes.email;

// Spreadsheets and web forms leave non-breaking and zero-width spaces inside addresses; none belongs there.
const EMAIL_JUNK = /[\u00A0\u200B-\u200D\u2060\uFEFF]/g;

// (From the raw value: cleanText has already turned a non-breaking space into a plain one.)
function normaliseEmail(raw: string): FieldValue {
  const address = raw
    .replace(EMAIL_JUNK, '')
    .trim()
    .replace(/^mailto:/i, '')
    .toLowerCase();
  if (!EMAIL.test(address)) return invalid(raw, 'not a valid email address');
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  return {
    raw,
    normal: address,
    valid: true,
    parts: {
      user: address.slice(0, at),
      domain,
      is_free: FREE_EMAIL_DOMAINS.has(domain),
      is_disposable: DISPOSABLE_EMAIL_DOMAINS.has(domain),
    },
  };
}

const US_ZIP = /^(\d{5})(?:[-\s]?(\d{4}))?$/;
const CA_POSTAL = /^([A-Z]\d[A-Z])\s?(\d[A-Z]\d)$/;
const UK_POSTCODE = /^([A-Z]{1,2}\d[A-Z\d]?)\s?(\d[A-Z]{2})$/;

function normalisePostalCode(raw: string, text: string): FieldValue {
  const upper = text.toUpperCase();
  let us = US_ZIP.exec(upper);
  let repaired: string | undefined;
  // Spreadsheets drop leading zeros from New England ZIPs (02134 -> 2134, 02134-1234 -> 21341234).
  if (!us && /^\d{4}$/.test(upper)) {
    us = US_ZIP.exec(`0${upper}`);
    repaired = 'restored the leading zero a spreadsheet removed';
  } else if (!us && /^\d{8}$/.test(upper)) {
    us = US_ZIP.exec(`0${upper}`);
    repaired = 'restored the leading zero a spreadsheet removed';
  }
  if (us) {
    const [, zip = '', plus4] = us;
    return {
      raw,
      normal: plus4 ? `${zip}-${plus4}` : zip,
      valid: true,
      parts: { country: 'US', zip, plus4: plus4 ?? null },
      ...(repaired ? { issue: repaired } : {}),
    };
  }
  const ca = CA_POSTAL.exec(upper);
  if (ca) return { raw, normal: `${ca[1]} ${ca[2]}`, valid: true, parts: { country: 'CA' } };
  const uk = UK_POSTCODE.exec(upper);
  if (uk) return { raw, normal: `${uk[1]} ${uk[2]}`, valid: true, parts: { country: 'GB' } };
  return invalid(raw, 'not a valid US, Canadian or UK postal code');
}

// Names and abbreviations compared without case, dots or spaces: "N.Y.", "n y", "New York", "Calif.".
const regionKey = (text: string) => text.toLowerCase().replace(/[.,\s]+/g, '');
const REGION_BY_NAME = new Map([
  ...Object.entries(REGIONS).map(([code, name]) => [regionKey(name), code] as const),
  ...Object.entries(REGION_ABBREVIATIONS),
]);

function normaliseState(raw: string, text: string): FieldValue {
  const key = regionKey(text);
  const code = key.length === 2 ? key.toUpperCase() : REGION_BY_NAME.get(key);
  if (code && code in REGIONS) return { raw, normal: code, valid: true, parts: { name: REGIONS[code] ?? null } };
  return invalid(raw, 'not a US state or Canadian province');
}

let countryByName: Map<string, string> | undefined;

// ICU (bundled with Node) knows every region's English name; building the table once beats shipping one.
function countryTable(): Map<string, string> {
  if (countryByName) return countryByName;
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const table = new Map<string, string>();
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      const name = names.of(code);
      if (name && name !== code) {
        table.set(code.toLowerCase(), code);
        table.set(name.toLowerCase(), code);
      }
    }
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) table.set(alias, code);
  countryByName = table;
  return table;
}

function normaliseCountry(raw: string, text: string): FieldValue {
  const code = countryTable().get(text.toLowerCase());
  return code ? { raw, normal: code, valid: true } : invalid(raw, 'not a known country');
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO_DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t\s].*)?$/;
const NUMERIC_DATE = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\s.*)?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const MONTH_FIRST = /^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/;
const DAY_FIRST = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]([a-z]{3,9})\.?,?[\s-](\d{2}|\d{4})$/;
const SERIAL = /^\d{1,7}(?:\.\d+)?$/;

// Excel's day 0 is 1899-12-31 but it counts a 29 Feb 1900 that never was, so serials from 61 on are off by one.
const EXCEL_1900_EPOCH = Date.UTC(1899, 11, 30);
const EXCEL_1904_EPOCH = Date.UTC(1904, 0, 1);
const DAY_MS = 86_400_000;

/** Reads an Excel serial date (1900 or 1904 system) into a UTC date, or undefined when out of range. */
export function fromExcelSerial(serial: number, date1904 = false): Date | undefined {
  if (!(serial >= 1 && serial < 2_958_466)) return undefined;
  const days = Math.floor(serial);
  if (date1904) return new Date(EXCEL_1904_EPOCH + days * DAY_MS);
  return new Date(EXCEL_1900_EPOCH + (days < 60 ? days + 1 : days) * DAY_MS);
}

function expandYear(year: string, context: NormaliseContext): number {
  if (year.length === 4) return Number(year);
  const yy = Number(year);
  const thisCentury = (context.year ?? new Date().getUTCFullYear()) % 100;
  return yy <= thisCentury ? 2000 + yy : 1900 + yy;
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3));
}

function isoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1000 || year > 9999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * Parses the common date formats into yyyy-mm-dd. Numeric dates are month-first (US) unless the context
 * says the column is day-first or the value proves it (a first part over 12).
 */
function normaliseDate(raw: string, text: string, context: NormaliseContext): FieldValue {
  const lower = text.toLowerCase();
  const result = datePattern(lower, context);
  if (!result && SERIAL.test(lower)) {
    const date = fromExcelSerial(Number(lower), context.date1904);
    if (date)
      return { raw, normal: date.toISOString().slice(0, 10), valid: true, issue: 'read as an Excel serial date' };
  }
  if (!result) return invalid(raw, 'not a recognised date');
  return {
    raw,
    normal: result,
    valid: true,
    parts: { year: Number(result.slice(0, 4)), month: Number(result.slice(5, 7)), day: Number(result.slice(8, 10)) },
  };
}

// The written forms of a date, tried in order: ISO, numeric (month- or day-first), compact, month names.
function datePattern(lower: string, context: NormaliseContext): string | undefined {
  const iso = ISO_DATE.exec(lower);
  if (iso) return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const numeric = NUMERIC_DATE.exec(lower);
  if (numeric) {
    const first = Number(numeric[1]);
    const second = Number(numeric[2]);
    const year = expandYear(numeric[3] ?? '', context);
    const dayFirst = first > 12 || (context.dayFirst === true && second <= 12);
    return dayFirst ? isoDate(year, second, first) : isoDate(year, first, second);
  }
  const compact = COMPACT_DATE.exec(lower);
  if (compact) return isoDate(Number(compact[1]), Number(compact[2]), Number(compact[3]));
  const monthFirst = MONTH_FIRST.exec(lower);
  if (monthFirst) return isoDate(Number(monthFirst[3]), monthIndex(monthFirst[1] ?? '') + 1, Number(monthFirst[2]));
  const dayFirst = DAY_FIRST.exec(lower);
  if (dayFirst)
    return isoDate(expandYear(dayFirst[3] ?? '', context), monthIndex(dayFirst[2] ?? '') + 1, Number(dayFirst[1]));
  return undefined;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function normaliseNumber(raw: string, text: string): FieldValue {
  const plain = text.replace(/[$€£¥,\s%]/g, '');
  if (!NUMBER.test(plain)) return invalid(raw, 'not a number');
  return { raw, normal: Number(plain), valid: true };
}

const TRUE_WORDS = new Set(['yes', 'y', 'true', 't', '1', 'on', 'x']);
const FALSE_WORDS = new Set(['no', 'n', 'false', 'f', '0', 'off']);

function normaliseBoolean(raw: string, text: string): FieldValue {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return { raw, normal: true, valid: true };
  if (FALSE_WORDS.has(word)) return { raw, normal: false, valid: true };
  return invalid(raw, 'not a yes/no value');
}

function normaliseChoice(raw: string, text: string, context: NormaliseContext): FieldValue {
  const word = text.toLowerCase();
  const choice = context.choices?.find((c) => c.value.toLowerCase() === word || c.label.toLowerCase() === word);
  if (choice) return { raw, normal: choice.value, valid: true };
  const allowed = (context.choices ?? []).map((c) => c.value).join(', ');
  return invalid(raw, `not one of ${allowed}`);
}

function normaliseUrl(raw: string, text: string): FieldValue {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(candidate);
    const httpLike = url.protocol === 'http:' || url.protocol === 'https:';
    if (httpLike && !/\s/.test(text) && (url.hostname.includes('.') || url.hostname === 'localhost')) {
      return { raw, normal: url.href, valid: true, parts: { host: url.hostname, protocol: url.protocol.slice(0, -1) } };
    }
  } catch {
    // fall through: an unparseable URL is an invalid value, not an error
  }
  return invalid(raw, 'not a valid web address');
}

function normaliseString(raw: string, text: string): FieldValue {
  return { raw, normal: text, valid: true };
}

const NORMALISERS: Record<FieldType, Normaliser> = {
  string: normaliseString,
  email: normaliseEmail,
  phone: (raw, text, context) => normalisePhone(raw, text, context.phoneRegion),
  postal_code: normalisePostalCode,
  state: normaliseState,
  country: normaliseCountry,
  date: normaliseDate,
  number: normaliseNumber,
  boolean: normaliseBoolean,
  choice: normaliseChoice,
  url: normaliseUrl,
};
