import { distance } from 'fastest-levenshtein';
import { samplesContradict, valueKind, type ValueKind } from './column-hints.js';
import { normalise, type FieldType } from './field-types.js';
import type { FieldSpec } from './flow-spec.js';
import {
  ADDRESS_OWNERS,
  AMBIGUOUS_PHRASES,
  FIELD_PHRASES,
  GROUP_WORDS,
  headerTokens,
  MAIN_OWNERS,
  parseHeader,
  type ParsedHeader,
} from './header-words.js';
import type { RawLead } from './pipeline.js';
import { STANDARD_SYNONYMS } from './synonyms.js';
import { squash } from './text.js';

/** A column's mapping: the target field (null: skipped) and how sure the suggestion is (0-1). */
export interface ColumnMapping {
  readonly index: number;
  readonly header: string;
  readonly field: string | null;
  readonly confidence: number;
  /** How the suggestion was made, or why a plausible match was not used. */
  readonly note?: string;
  /** For a skipped column: the name of the custom field it could be kept as (snake_case of its header). */
  readonly customField?: string;
}

interface Candidate {
  readonly field: string;
  readonly confidence: number;
  readonly note: string;
}

/** Splits a header into lowercase words: "emailOptOut" and "Email Opt-Out" both give email, opt, out. */
export function headerWords(header: string): string[] {
  return header
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * Words that turn a column about a field into a column about something else: "Email Opt Out" is not an
 * email, "Phone Type" not a phone, "Lead Score" not a lead id, "Created Date" not a date of birth. A header
 * with one of these (that the field's own name does not have) is never matched loosely.
 */
const QUALIFIERS = new Set([
  'opt',
  'optin',
  'optout',
  'out',
  'type',
  'score',
  'status',
  'created',
  'updated',
  'modified',
  'date',
  'time',
  'owner',
  'verified',
  'valid',
  'validity',
  'bounce',
  'bounced',
  'consent',
  'count',
  'campaign',
  'unsubscribe',
  'unsubscribed',
  'source',
  'id',
  'flag',
  'dnc',
  'confirmed',
  'domain',
  'format',
  'ext',
  'extension',
  'country',
  'code',
  'last',
  'first',
  'rating',
  'stage',
  'priority',
  'preference',
  'preferred',
  'permission',
  'marketing',
  'subscribed',
  'sent',
  'opened',
  'clicked',
  'hash',
  'sha256',
  'md5',
  'label',
  'tag',
  'tags',
  'quality',
  'language',
]);

function qualifiedAway(header: string, field: FieldSpec, matchedWords: ReadonlySet<string>): boolean {
  const own = new Set([...headerWords(field.name), ...headerWords(field.label), ...matchedWords]);
  return headerWords(header).some((word) => QUALIFIERS.has(word) && !own.has(word));
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("Frist" -> "First"). */
function editDistance(a: string, b: string): number {
  const plain = distance(a, b);
  if (plain !== 2 || a.length !== b.length) return plain;
  const differences: number[] = [];
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) differences.push(index);
  const [first, second] = differences;
  const swapped =
    differences.length === 2 &&
    second === (first ?? 0) + 1 &&
    a[first ?? 0] === b[second ?? 0] &&
    a[second ?? 0] === b[first ?? 0];
  return swapped ? 1 : plain;
}

/** Words close enough to be a typo of each other: one edit from 5 letters, two from 8. */
function wordsAlike(a: string, b: string): boolean {
  if (a === b) return true;
  const length = Math.min(a.length, b.length);
  if (length < 5) return false;
  return editDistance(a, b) <= (length >= 8 ? 2 : 1);
}

/** A header that is a known name with a typo in its words (same words, each equal or nearly so). */
function typoOf(header: readonly string[], name: readonly string[]): boolean {
  return (
    header.length === name.length &&
    header.some((word, index) => word !== name[index]) &&
    header.every((word, index) => wordsAlike(word, name[index] ?? ''))
  );
}

/** Scores how well a header names a field; undefined when it does not. */
function matchHeader(header: string, field: FieldSpec): Candidate | undefined {
  const trimmed = header.trim();
  if (trimmed === field.name) return { field: field.name, confidence: 1, note: 'exact field name' };
  const lower = trimmed.toLowerCase();
  if (lower === field.name || lower === field.label.toLowerCase())
    return { field: field.name, confidence: 0.97, note: 'field name or label' };
  if (field.aliases.some((alias) => alias.toLowerCase() === lower))
    return { field: field.name, confidence: 0.96, note: 'alias' };
  const key = squash(trimmed);
  if (key === '') return undefined;
  if (key === squash(field.name) || key === squash(field.label))
    return { field: field.name, confidence: 0.92, note: 'name ignoring case and punctuation' };
  if (field.aliases.some((alias) => squash(alias) === key))
    return { field: field.name, confidence: 0.9, note: 'alias ignoring case and punctuation' };
  return undefined;
}

/**
 * The phrases a typo may be of: the field's main word and its phrases of several words. Single words of
 * other languages are left out, since a word one edit from one of them is often a real word of its own
 * ("Department" is no typo of "apartment").
 */
function typoTargets(field: string): string[] {
  const phrases = FIELD_PHRASES[field] ?? [];
  return phrases.filter((phrase, index) => index === 0 || phrase.includes(' '));
}

/** Typos of a field's known names, never across a qualifying word. */
function matchTypo(header: string, field: FieldSpec): Candidate | undefined {
  const trimmed = header.trim();
  const words = headerWords(trimmed);
  const names = [
    field.name,
    field.label,
    ...field.aliases,
    ...(field.custom ? [] : [...typoTargets(field.name), ...(STANDARD_SYNONYMS[field.name] ?? [])]),
  ];
  for (const name of names) {
    const nameWords = headerWords(name);
    if (typoOf(words, nameWords) && !qualifiedAway(trimmed, field, new Set(nameWords))) {
      return { field: field.name, confidence: 0.75, note: `looks like a typo of "${name}"` };
    }
  }
  return undefined;
}

// Every phrase of the vocabulary, keyed by its words as headerTokens gives them.
const PHRASES = buildPhrases();

function buildPhrases(): Map<string, { field: string; ambiguous: boolean }> {
  const phrases = new Map<string, { field: string; ambiguous: boolean }>();
  const add = (table: Readonly<Record<string, readonly string[]>>, ambiguous: boolean) => {
    for (const [field, list] of Object.entries(table)) {
      for (const phrase of list) {
        const key = headerTokens(phrase).join(' ');
        if (!phrases.has(key)) phrases.set(key, { field, ambiguous });
      }
    }
  };
  add(FIELD_PHRASES, false);
  add(STANDARD_SYNONYMS, false);
  add(AMBIGUOUS_PHRASES, true);
  return phrases;
}

// The second of a pair: "Street2", "Address Line 2", "Phone 2", "Secondary Phone".
const SECOND_FIELD: Readonly<Record<string, string>> = { phone_1: 'phone_2', address_1: 'address_2' };
// What a kind of phone is: kept when owners are removed, so that "Home Mobile" is still a mobile.
const PHONE_KINDS = new Set(['mobile', 'mobil', 'cell', 'handy']);
// Context that makes an ambiguous "Title" a job title: "Organization 1 - Title", "Job Title".
const JOB_CONTEXT = new Set(['organization', 'organisation', 'org', 'company', 'job', 'work', 'business', 'position']);
// Columns that only a lead-ads export has: its bare "id" is then the platform's lead id.
const LEAD_ADS_MARKERS = new Set([
  'adid',
  'adname',
  'adsetid',
  'adsetname',
  'campaignid',
  'campaignname',
  'formid',
  'formname',
  'isorganic',
  'leadgenid',
]);

/**
 * Reads a header's structure (owners, numbered groups, line numbers, questions) and looks the words that
 * remain up in the multilingual vocabulary; undefined when words are left that the vocabulary does not
 * know ("Phone Type", "phone_number_mutter": the field is qualified into something else).
 */
function matchStructure(header: string, fields: ReadonlyMap<string, FieldSpec>): Candidate | undefined {
  const parsed = parseHeader(header);
  const found = lookUp(parsed);
  if (!found) return undefined;
  let { field, confidence } = found;
  let note = found.note;
  const second = SECOND_FIELD[field];
  if (parsed.ordinal === 2 && second && fields.has(second)) {
    field = second;
    note = `${note}, second line or number`;
  } else if (parsed.ordinal > 1) {
    confidence -= 0.05 * (parsed.ordinal - 1);
  }
  if (parsed.group > 1) confidence -= 0.05 * (parsed.group - 1);
  if (!fields.has(field)) return undefined;
  return { field, confidence: Math.max(0.5, Math.round(confidence * 100) / 100), note };
}

function lookUp(parsed: ParsedHeader): { field: string; confidence: number; note: string } | undefined {
  const mainOwner = parsed.owners.some((owner) => MAIN_OWNERS.has(owner)) ? 0.02 : 0;
  const attempts: [readonly string[], number, string][] = [
    [parsed.words, 0.88 + mainOwner, 'common export header'],
    [
      parsed.words.filter((word) => !parsed.owners.includes(word) || PHONE_KINDS.has(word)),
      0.85 + mainOwner,
      'a field inside a longer header',
    ],
    [parsed.core, 0.85 + mainOwner, 'a field inside a longer header'],
  ];
  if (parsed.member) {
    attempts.push([parsed.member, 0.86, 'a member of a numbered group']);
    attempts.push([
      parsed.member.filter((word) => !parsed.owners.includes(word)),
      0.86,
      'a member of a numbered group',
    ]);
  }
  // A group noun before a member's name: "Address (home) City", "Address 1 - Region".
  if (parsed.core.length > 1 && GROUP_WORDS.has(parsed.core[0] ?? ''))
    attempts.push([parsed.core.slice(1), 0.8, 'a member of a group']);
  for (const [words, confidence, note] of attempts) {
    if (words.length === 0) continue;
    const phrase = PHRASES.get(words.join(' '));
    if (!phrase) continue;
    if (!phrase.ambiguous) return { field: phrase.field, confidence, note };
    const clear = parsed.words.some((word) => JOB_CONTEXT.has(word));
    return {
      field: phrase.field,
      confidence: clear ? confidence : 0.6,
      note: clear ? note : 'an ambiguous header (a job title or a salutation)',
    };
  }
  // "Billing Code", "Shipping Code" (Zoho): the code of an address is its postal code.
  if (
    parsed.core.length === 1 &&
    parsed.core[0] === 'code' &&
    parsed.owners.some((owner) => ADDRESS_OWNERS.has(owner))
  ) {
    return { field: 'postal_code', confidence: 0.85, note: 'the code of an address' };
  }
  return undefined;
}

/** Scores every way a header may name a flow field and keeps the best. */
function bestCandidate(
  header: string,
  fields: readonly FieldSpec[],
  byName: ReadonlyMap<string, FieldSpec>,
  leadAds: boolean,
): Candidate | undefined {
  let top: Candidate | undefined;
  const consider = (candidate: Candidate | undefined) => {
    if (candidate && (!top || candidate.confidence > top.confidence)) top = candidate;
  };
  for (const field of fields) consider(matchHeader(header, field));
  consider(matchStructure(header, byName));
  if (leadAds && squash(header) === 'id' && byName.has('lead_id'))
    consider({ field: 'lead_id', confidence: 0.85, note: 'the lead id of a lead-ads export' });
  if (!top) for (const field of fields) consider(matchTypo(header, field));
  return top;
}

// Sample values identify a column only for types whose values cannot be mistaken for anything else.
const SAMPLE_TYPES: readonly FieldType[] = ['email', 'phone'];
const SAMPLE_SHARE = 0.8;
const SAMPLE_MINIMUM = 3;

/** True when most non-blank samples are valid values of the type. */
function samplesAre(type: FieldType, values: readonly string[], phoneRegion: string): boolean {
  const present = values.filter((value) => value.trim() !== '');
  if (present.length < SAMPLE_MINIMUM) return false;
  const valid = present.filter((value) => normalise(type, value, { phoneRegion }).valid).length;
  return valid / present.length >= SAMPLE_SHARE;
}

export interface MappingContext {
  /** Sample rows (cells by column index) for recognising columns by their values. */
  readonly samples?: readonly (readonly string[])[];
  readonly phoneRegion?: string;
  /** False when the file has no header row: its columns are then mapped from their values alone. */
  readonly hasHeader?: boolean;
}

/** A column's candidate, or why its header's candidate was turned down. */
type Suggestion = Candidate | { readonly vetoed: string } | undefined;

/**
 * Suggests a field for every column: by name, label, alias, the header's structure and its words in seven
 * languages, then loosely (typos), then by sample values (a column of email addresses is an email column
 * whatever its header). Sample values can also veto a header ("title" holding Mr./Mrs. is no job title).
 * Each field goes to at most one column: when two columns match the same field, the better match wins and
 * the other is left unmapped with a note saying so. A file without a header row is mapped from its values.
 */
export function suggestMapping(
  headers: readonly string[],
  fields: readonly FieldSpec[],
  context: MappingContext = {},
): ColumnMapping[] {
  const samples = context.samples ?? [];
  const valuesOf = (index: number) => samples.map((row) => row[index] ?? '');
  if (context.hasHeader === false) return mapByValues(headers, fields, valuesOf, context.phoneRegion ?? 'US');
  const byName = new Map(fields.map((field) => [field.name, field]));
  const leadAds = headers.filter((header) => LEAD_ADS_MARKERS.has(squash(header))).length >= 2;
  const suggestions: Suggestion[] = headers.map((header, index) => {
    const candidate = bestCandidate(header, fields, byName, leadAds);
    const field = candidate ? byName.get(candidate.field) : undefined;
    const veto = field ? samplesContradict(field, valuesOf(index)) : undefined;
    return veto && candidate ? { vetoed: `not ${candidate.field}: ${veto}` } : candidate;
  });
  const mapping = resolveConflicts(headers, suggestions, new Set(byName.keys()));
  if (samples.length === 0) return mapping;
  const taken = new Set(mapping.map((column) => column.field).filter(Boolean));
  return mapping.map((column) => {
    if (column.field || column.note) return column;
    const values = valuesOf(column.index);
    for (const type of SAMPLE_TYPES) {
      const field = fields.find((f) => f.type === type && !taken.has(f.name));
      if (!field || qualifiedAway(column.header, field, new Set())) continue;
      if (samplesAre(type, values, context.phoneRegion ?? 'US')) {
        taken.add(field.name);
        return {
          ...column,
          field: field.name,
          confidence: 0.7,
          note: `its values are ${type === 'email' ? 'email addresses' : 'phone numbers'}`,
        };
      }
    }
    return column;
  });
}

// The field each kind of value goes to in a file without headers, and how sure that is: an e-mail address
// is unmistakable, a five-digit number may be a postal code or anything else.
const KIND_FIELDS: Readonly<Record<ValueKind, readonly [readonly string[], number]>> = {
  email: [['email'], 0.7],
  url: [['website'], 0.6],
  ip_address: [['ip_address'], 0.6],
  date: [['dob'], 0.5],
  phone: [['phone_1', 'phone_2'], 0.6],
  postal_code: [['postal_code'], 0.5],
  state: [['state'], 0.5],
};
const NAME_SHARE = 0.8;

/**
 * Maps the columns of a file without a header row from their values: e-mails, URLs, IP addresses, dates,
 * phones, postal codes and states by kind; names only when evident (one column is another two joined by a
 * space: full name, first name, last name).
 */
function mapByValues(
  headers: readonly string[],
  fields: readonly FieldSpec[],
  valuesOf: (index: number) => string[],
  phoneRegion: string,
): ColumnMapping[] {
  const has = new Set(fields.map((field) => field.name));
  const taken = new Set<string>();
  const mapping: ColumnMapping[] = headers.map((header, index) => ({ index, header, field: null, confidence: 0 }));
  const assign = (index: number, field: string, confidence: number, note: string) => {
    mapping[index] = { index, header: headers[index] ?? '', field, confidence, note };
    taken.add(field);
  };
  headers.forEach((_, index) => {
    const kind = valueKind(valuesOf(index), { phoneRegion });
    if (!kind) return;
    const [targets, confidence] = KIND_FIELDS[kind];
    const field = targets.find((name) => has.has(name) && !taken.has(name));
    if (field) assign(index, field, confidence, `no header: its values are ${kind.replace('_', ' ')}s`);
  });
  const names = evidentNames(headers.length, valuesOf, (index) => mapping[index]?.field === null);
  if (names) {
    const [full, first, last] = names;
    for (const [index, field] of [
      [full, 'full_name'],
      [first, 'first_name'],
      [last, 'last_name'],
    ] as const) {
      if (has.has(field) && !taken.has(field))
        assign(index, field, 0.6, 'no header: one column is the other two joined');
    }
  }
  return mapping;
}

/** Three free columns where the first is the other two joined by a space in most rows: full, first, last name. */
function evidentNames(
  count: number,
  valuesOf: (index: number) => string[],
  free: (index: number) => boolean,
): [number, number, number] | undefined {
  const columns = Array.from({ length: count }, (_, index) => index).filter(free);
  for (const full of columns) {
    const fulls = valuesOf(full).map((value) => value.trim());
    const rows = fulls.filter(Boolean).length;
    if (rows < 2) continue;
    for (const first of columns) {
      if (first === full) continue;
      const firsts = valuesOf(first);
      for (const last of columns) {
        if (last === full || last === first) continue;
        const lasts = valuesOf(last);
        const joined = fulls.filter(
          (value, row) => value !== '' && value === `${firsts[row]?.trim()} ${lasts[row]?.trim()}`,
        ).length;
        if (joined / rows >= NAME_SHARE) return [full, first, last];
      }
    }
  }
  return undefined;
}

// A second phone column ("Mobile" beside "Phone") goes to the flow's second phone field when it is free.
const OVERFLOW: Readonly<Record<string, string>> = { phone_1: 'phone_2' };

/**
 * Gives each field to its strongest column (the first column wins a tie); then a phone_1 column that lost
 * goes to phone_2 if no column claimed it, the strongest first.
 */
function resolveConflicts(
  headers: readonly string[],
  suggestions: readonly Suggestion[],
  fieldNames: ReadonlySet<string>,
): ColumnMapping[] {
  const mapping: ColumnMapping[] = headers.map((header, index) => {
    const suggestion = suggestions[index];
    return suggestion && 'vetoed' in suggestion
      ? { index, header, field: null, confidence: 0, note: suggestion.vetoed }
      : { index, header, field: null, confidence: 0 };
  });
  const ranked = suggestions
    .map((suggestion, index) => ({
      candidate: suggestion && !('vetoed' in suggestion) ? suggestion : undefined,
      index,
    }))
    .filter((entry): entry is { candidate: Candidate; index: number } => entry.candidate !== undefined)
    .sort((a, b) => b.candidate.confidence - a.candidate.confidence || a.index - b.index);
  const owner = new Map<string, number>();
  const losers: { candidate: Candidate; index: number }[] = [];
  for (const entry of ranked) {
    const { candidate, index } = entry;
    if (owner.has(candidate.field)) {
      losers.push(entry);
      continue;
    }
    owner.set(candidate.field, index);
    mapping[index] = {
      index,
      header: headers[index] ?? '',
      field: candidate.field,
      confidence: candidate.confidence,
      note: candidate.note,
    };
  }
  for (const { candidate, index } of losers) {
    const other = headers[owner.get(candidate.field) ?? 0];
    const overflow = OVERFLOW[candidate.field];
    const header = headers[index] ?? '';
    if (overflow && fieldNames.has(overflow) && !owner.has(overflow)) {
      owner.set(overflow, index);
      mapping[index] = {
        index,
        header,
        field: overflow,
        confidence: Math.round(candidate.confidence * 0.9 * 100) / 100,
        note: `a second ${candidate.field} column ("${other}" has ${candidate.field})`,
      };
    } else {
      mapping[index] = {
        index,
        header,
        field: null,
        confidence: 0,
        note: `also looks like ${candidate.field}, which is mapped from "${other}"`,
      };
    }
  }
  return mapping;
}

/** Builds the raw lead of a row from its cells under a mapping (field name per column index, null to skip). */
export function mapRow(cells: readonly string[], targets: readonly (string | null)[]): RawLead {
  // A plain object: targets are flow field names (snake_case, so never `__proto__`), and V8 builds and
  // stringifies plain objects ~1.5x faster than null-prototype ones, which are hash tables.
  const raw: RawLead = {};
  for (let index = 0; index < targets.length; index++) {
    const field = targets[index];
    if (field) raw[field] = cells[index] ?? '';
  }
  return raw;
}

/**
 * The custom field name a column could be kept as: its header in snake_case without accents ("Roof type"
 * -> roof_type, "Société" -> societe), `column_<n>` when nothing of it is left or it starts with a digit.
 */
export function customFieldName(header: string, index: number): string {
  const name = headerTokens(header).join('_').slice(0, 60).replace(/_+$/, '');
  return /^[a-z]/.test(name) ? name : `column_${index + 1}`;
}

/** A fingerprint of a header row, to recognise the next export with the same layout (templates). */
export function headerFingerprint(headers: readonly string[]): string {
  return headers.map(squash).join('|');
}
