import { Metadata, type CountryCode } from 'libphonenumber-js';

/**
 * libphonenumber-js's numbering-plan metadata with its patterns compiled once.
 *
 * libphonenumber-js decides a number's country and validity by matching the national number against the
 * patterns of its metadata, but it compiles each pattern again on every call (`new RegExp` in its
 * `matchesEntirely`) and walks up to 25 countries for a +1 number: ~30k numbers/s. The functions here make
 * the same decisions, in the same order, from the same metadata (the "min" set that the library's default
 * export uses), with the patterns compiled once: a few microseconds per number, whatever the number.
 * phone.test.ts compares the results with the library's over many numbers.
 */

// The parts of the library's `Metadata` and `NumberingPlan` (source/metadata.js) that its own parse and
// validation read; its type declarations only list a few of them.
interface LibraryMetadata {
  selectNumberingPlan(countryOrCallingCode: string): void;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  numberingPlan: LibraryPlan;
}

interface LibraryPlan {
  callingCode(): string;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  IDDPrefix(): string;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

// The number types libphonenumber-js's getNumberType tries; a number of a country with type patterns is
// valid when it matches one of them.
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

interface TypePattern {
  readonly pattern: RegExp;
  readonly lengths: readonly number[] | undefined;
}

/** One country's numbering plan, compiled. */
export interface Plan {
  readonly country: string;
  readonly callingCode: string;
  /** Matches the digits that libphonenumber-js strips as a national prefix (a trunk "0" or "1"), if any. */
  readonly nationalPrefix: RegExp | null;
  /** Matches the prefix dialled before an international number (011, 00), which the library strips too. */
  readonly internationalPrefix: RegExp;
  /** The country's leading digits: a number starting with them belongs to it (used instead of types). */
  readonly leadingDigits: RegExp | null;
  readonly nationalNumber: RegExp;
  /** Type patterns (fixed line, mobile, toll free, ...), present when countries share a calling code. */
  readonly types: readonly TypePattern[] | null;
}

const metadata = new Metadata() as unknown as LibraryMetadata;
const plans = new Map<string, Plan>();
const countriesByCallingCode = new Map<string, readonly Plan[] | null>();

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const start = (pattern: string) => new RegExp(`^(?:${pattern})`);

/** The compiled plan of a country (ISO 3166 code, as libphonenumber-js knows it), or undefined. */
export function planOf(country: string): Plan | undefined {
  let plan = plans.get(country);
  if (plan) return plan;
  try {
    metadata.selectNumberingPlan(country as CountryCode);
  } catch {
    return undefined;
  }
  const library = metadata.numberingPlan;
  const types = library.hasTypes()
    ? TYPES.flatMap((name) => {
        const type = library.type(name);
        const pattern = type?.pattern();
        // An empty pattern stands for "same as fixed line" in the compressed metadata: never a match itself.
        return type && pattern ? [{ pattern: whole(pattern), lengths: type.possibleLengths() }] : [];
      })
    : null;
  const nationalPrefix = library.nationalPrefixForParsing();
  const leadingDigits = library.leadingDigits();
  plan = {
    country,
    callingCode: library.callingCode(),
    nationalPrefix: nationalPrefix ? start(nationalPrefix) : null,
    internationalPrefix: start(library.IDDPrefix()),
    leadingDigits: leadingDigits ? start(leadingDigits) : null,
    nationalNumber: whole(library.nationalNumberPattern()),
    types,
  };
  plans.set(country, plan);
  return plan;
}

/**
 * The countries that share a calling code, main country first (US for +1, GB for +44), or null when the
 * code is unknown or not a country's (the +800-style global services). Callers pass one to three digits,
 * so the cache holds at most 1,110 entries.
 */
export function plansOfCallingCode(callingCode: string): readonly Plan[] | null {
  let found = countriesByCallingCode.get(callingCode);
  if (found !== undefined) return found;
  const countries = metadata.getCountryCodesForCallingCode(callingCode);
  found = countries
    ? countries.map((country) => planOf(country)).filter((plan): plan is Plan => plan !== undefined)
    : null;
  countriesByCallingCode.set(callingCode, found);
  return found;
}

/** libphonenumber-js's getNumberType(...) !== undefined: the number matches one of the plan's type patterns. */
function matchesAType(plan: Plan, national: string): boolean {
  if (!plan.types || !plan.nationalNumber.test(national)) return false;
  return plan.types.some(
    (type) => (type.lengths === undefined || type.lengths.includes(national.length)) && type.pattern.test(national),
  );
}

/**
 * The country a national number belongs to among those sharing its calling code, as libphonenumber-js's
 * getCountryByCallingCode decides it: the only country; else the first whose leading digits start the
 * number or (for countries without leading digits) whose type patterns match it; else undefined.
 */
export function countryOf(candidates: readonly Plan[], national: string): Plan | undefined {
  if (candidates.length === 1) return candidates[0];
  return candidates.find((plan) =>
    plan.leadingDigits ? plan.leadingDigits.test(national) : matchesAType(plan, national),
  );
}

/** libphonenumber-js's isValid for a national number in a plan: a type pattern when it has them, else the national pattern. */
export function isValidIn(plan: Plan, national: string): boolean {
  return plan.types ? matchesAType(plan, national) : plan.nationalNumber.test(national);
}
