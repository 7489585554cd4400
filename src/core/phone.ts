import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { FieldValue } from './field-types.js';

const CACHE_LIMIT = 50_000;
const cache = new Map<string, FieldValue>();

// Excel turns long digit strings into numbers shown like 1.2025550143E+09: the trailing digits are gone.
const SCIENTIFIC = /^[+-]?\d(\.\d+)?e\+?\d+$/i;

/**
 * Normalises a phone number to E.164 with libphonenumber-js, using the flow's default region for national
 * numbers. Results are cached (by region and raw text) because lead files repeat numbers and parsing is the
 * slowest step of the pipeline.
 */
export function normalisePhone(raw: string, text: string, region: string): FieldValue {
  const cacheKey = `${region}|${text}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached.raw === raw ? cached : { ...cached, raw };
  const result = parsePhone(raw, text, region);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, result);
  return result;
}

function parsePhone(raw: string, text: string, region: string): FieldValue {
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
