import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { FieldValue } from './field-types.js';

const CACHE_LIMIT = 50_000;
const cache = new Map<string, FieldValue>();

// Excel turns long digit strings into numbers shown like 1.2025550143E+09: the trailing digits are gone.
const SCIENTIFIC = /^[+-]?\d(\.\d+)?e\+?\d+$/i;

// The common ways North American numbers are written: (512) 555-0143, 512.555.0143, +1 512 555 0143,
// 1-512-555-0143, 5125550143. Anything else (extensions, letters, other punctuation) takes the full parse.
const NANP_COMMON = /^(?:\+?1[\s.-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[\s./-]?(\d{3})[\s.-]?(\d{4})$/;

interface PrefixVerdict {
  readonly valid: boolean;
  readonly country: string | null;
}

// libphonenumber-js decides validity and country of a NANP number from its area code and exchange (the
// first six digits of the national number); the last four never change the answer (phone.test.ts checks
// this against the library over many numbers). So the library is asked once per six-digit prefix.
const prefixVerdicts = new Map<string, PrefixVerdict>();

function nanpRegion(region: string): boolean {
  try {
    return getCountryCallingCode(region as CountryCode) === '1';
  } catch {
    return false;
  }
}

const nanpRegions = new Map<string, boolean>();

/**
 * Normalises a phone number to E.164 with libphonenumber-js, using the flow's default region for national
 * numbers. Parsing is the slowest step of the pipeline (~30k numbers/s), so results are cached, and the
 * common North American formats take a fast path that gives the library's answers (see NANP_COMMON).
 */
export function normalisePhone(raw: string, text: string, region: string): FieldValue {
  let isNanp = nanpRegions.get(region);
  if (isNanp === undefined) {
    isNanp = nanpRegion(region);
    nanpRegions.set(region, isNanp);
  }
  if (isNanp) {
    const match = NANP_COMMON.exec(text);
    if (match) return nanpFastPath(raw, `${match[1] ?? match[2]}${match[3]}`, match[4] ?? '', region);
  }
  const cacheKey = `${region}|${text}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached.raw === raw ? cached : { ...cached, raw };
  const result = parsePhone(raw, text, region);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, result);
  return result;
}

function nanpFastPath(raw: string, prefix: string, line: string, region: string): FieldValue {
  const national = prefix + line;
  const key = `${region}|${prefix}`;
  let verdict = prefixVerdicts.get(key);
  if (!verdict) {
    const parsed = parsePhoneNumberFromString(national, region as CountryCode);
    verdict = { valid: parsed?.isValid() === true, country: parsed?.country ?? null };
    if (prefixVerdicts.size >= CACHE_LIMIT) prefixVerdicts.clear();
    prefixVerdicts.set(key, verdict);
  }
  if (!verdict.valid) return { raw, normal: null, valid: false, issue: 'not a valid phone number' };
  return { raw, normal: `+1${national}`, valid: true, parts: { country_code: '1', country: verdict.country, national, extension: null } };
}

/** The full libphonenumber-js parse, for every format the fast path does not cover. */
export function parsePhone(raw: string, text: string, region: string): FieldValue {
  if (SCIENTIFIC.test(text)) {
    return { raw, normal: null, valid: false, issue: 'phone was converted to scientific notation by a spreadsheet; the digits are lost' };
  }
  const parsed = parsePhoneNumberFromString(text, region as CountryCode);
  if (!parsed || !parsed.isValid()) {
    return { raw, normal: null, valid: false, issue: 'not a valid phone number' };
  }
  return {
    raw,
    normal: parsed.number,
    valid: true,
    parts: {
      country_code: parsed.countryCallingCode,
      country: parsed.country ?? null,
      national: parsed.nationalNumber,
      extension: parsed.ext ?? null,
    },
  };
}
