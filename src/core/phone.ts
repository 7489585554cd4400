import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { FieldValue } from './field-types.js';
import { countryOf, isValidIn, planOf, plansOfCallingCode, type Plan } from './phone-plans.js';

// Only repeated unusual values (the same odd format on many rows) benefit: the fast paths below take the
// common ones. Bounded so that memory does not grow with the file, and holding copies (structuredClone) of
// its keys and values: a cell's text is a slice of the parser's 128 KB chunk, and one entry holding it
// would keep the whole chunk alive (10,000 entries: up to 1.3 GB; a 1M-row import ran out of memory).
const CACHE_LIMIT = 10_000;
const cache = new Map<string, FieldValue>();

// Excel turns long digit strings into numbers shown like 1.2025550143E+09: the trailing digits are gone.
const SCIENTIFIC = /^[+-]?\d(\.\d+)?e\+?\d+$/i;

// The common ways North American numbers are written: (512) 555-0143, 512.555.0143, +1 512 555 0143,
// 1-512-555-0143, 5125550143, each optionally with an extension (x12, ext. 12), which libphonenumber-js
// reads the same way (its extension pattern covers these spellings and more).
const NANP_COMMON =
  /^(?:(\+?1)[\s.-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[\s./-]?(\d{3})[\s.-]?(\d{4})(?: ?(?:ext\.?|x) ?(\d{1,6}))?$/i;

// A number written with its calling code: +44 20 7946 0958, +49 (30) 1234-5678, +52.55.1234.5678. These
// characters are all punctuation to libphonenumber-js, and none of them starts an extension.
const INTERNATIONAL = /^\+[\d ().-]{3,40}$/;

const INVALID: Omit<FieldValue, 'raw'> = { normal: null, valid: false, issue: 'not a valid phone number' };

/**
 * A default region whose national numbers the NANP fast path may read: a +1 country that, like the main +1
 * plan (US), decides by type patterns rather than leading digits. libphonenumber-js then answers the same
 * for 5125550143, 1-512-555-0143 and +1 512 555 0143: a number no +1 country claims is invalid whichever
 * plan it falls back to (the region's for a national number, US's for one with its calling code). The
 * Caribbean regions, with leading digits, fall back differently: they take the library's own path.
 */
function nanpRegion(region: string): { region: Plan; main: Plan; countries: readonly Plan[] } | null {
  const plan = planOf(region);
  const countries = plansOfCallingCode('1');
  const main = countries?.[0];
  if (!plan || !countries || !main || plan.callingCode !== '1') return null;
  const decidesByType = (candidate: Plan) => candidate.types !== null && candidate.leadingDigits === null;
  return decidesByType(plan) && decidesByType(main) ? { region: plan, main, countries } : null;
}

const nanpRegions = new Map<string, ReturnType<typeof nanpRegion>>();

/**
 * Normalises a phone number to E.164 with libphonenumber-js's answers, using the flow's default region for
 * national numbers. The library parses ~30k numbers/s, and caching its answers only helps when numbers
 * repeat, so the common shapes (North American numbers in their usual formats, and numbers written with a
 * calling code) are decided from the library's metadata directly (phone-plans.ts), at the same cost for
 * every number; other shapes take the full parse. phone.test.ts compares both ways over many numbers.
 */
export function normalisePhone(raw: string, text: string, region: string): FieldValue {
  let nanp = nanpRegions.get(region);
  if (nanp === undefined) {
    nanp = nanpRegion(region);
    // Regions come from flow definitions: a handful of keys.
    nanpRegions.set(region, nanp);
  }
  if (nanp) {
    const match = NANP_COMMON.exec(text);
    const fast = match && nanpNumber(raw, nanp, match[1], `${match[2] ?? match[3]}${match[4]}${match[5]}`, match[6]);
    if (fast) return fast;
  }
  if (INTERNATIONAL.test(text)) {
    const fast = internationalNumber(raw, text.replace(/\D/g, ''));
    if (fast) return fast;
  }
  const cacheKey = `${region}|${text}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached.raw === raw ? cached : { ...cached, raw };
  const result = parsePhone(raw, text, region);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(structuredClone(cacheKey), structuredClone(result));
  return result;
}

/**
 * A ten-digit NANP number as libphonenumber-js reads it, or undefined when the region's prefixes would make
 * the library strip digits differently (then the library decides).
 */
function nanpNumber(
  raw: string,
  nanp: NonNullable<ReturnType<typeof nanpRegion>>,
  prefix: string | undefined,
  national: string,
  extension: string | undefined,
): FieldValue | undefined {
  // The library strips the region's international (011) and national (1) prefixes from what is dialled:
  // neither may apply to the ten digits, and a bare leading 1 must be exactly the national prefix.
  if (nanp.region.nationalPrefix?.test(national) || nanp.main.nationalPrefix?.test(national)) return undefined;
  if (prefix === '1') {
    const stripped = nanp.region.nationalPrefix?.exec(`1${national}`);
    if (stripped?.[0] !== '1' || nanp.region.nationalNumber.test(`1${national}`)) return undefined;
  }
  if (prefix !== '+1' && nanp.region.internationalPrefix.test(`${prefix ?? ''}${national}`)) return undefined;
  const country = countryOf(nanp.countries, national);
  if (!country || !isValidIn(country, national)) return { raw, ...INVALID };
  return {
    raw,
    normal: `+1${national}`,
    valid: true,
    parts: { country_code: '1', country: country.country, national, extension: extension ?? null },
  };
}

/**
 * A number written as + calling code and national number, as libphonenumber-js reads it, or undefined when
 * the library would strip a national prefix ("+44 (0)20 ...") or the calling code is not a country's.
 */
function internationalNumber(raw: string, digits: string): FieldValue | undefined {
  // Calling codes are one to three digits and none is the start of another, so the first known one is it.
  for (let length = 1; length <= 3 && length < digits.length; length++) {
    const countries = plansOfCallingCode(digits.slice(0, length));
    if (!countries) continue;
    const main = countries[0];
    const national = digits.slice(length);
    if (!main || main.nationalPrefix?.test(national) || national.length < 2 || national.length > 17) return undefined;
    const country = countryOf(countries, national);
    if (!isValidIn(country ?? main, national)) return { raw, ...INVALID };
    return {
      raw,
      normal: `+${main.callingCode}${national}`,
      valid: true,
      parts: { country_code: main.callingCode, country: country?.country ?? null, national, extension: null },
    };
  }
  return undefined;
}

/** The full libphonenumber-js parse, for every format the fast paths do not cover. */
export function parsePhone(raw: string, text: string, region: string): FieldValue {
  if (SCIENTIFIC.test(text)) {
    return {
      raw,
      normal: null,
      valid: false,
      issue: 'phone was converted to scientific notation by a spreadsheet; the digits are lost',
    };
  }
  const parsed = parsePhoneNumberFromString(text, region as CountryCode);
  if (!parsed?.isValid()) return { raw, ...INVALID };
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
