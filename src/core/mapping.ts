import { distance } from 'fastest-levenshtein';
import { normalise, type FieldType } from './field-types.js';
import type { FieldSpec } from './flow-spec.js';
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
}

interface Candidate {
  readonly field: string;
  readonly confidence: number;
  readonly note: string;
}

const squashedSynonyms = new Map(Object.entries(STANDARD_SYNONYMS).map(([name, words]) => [name, new Set(words.map(squash))]));

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
  'opt', 'optin', 'optout', 'out', 'type', 'score', 'status', 'created', 'updated', 'modified', 'date', 'time',
  'owner', 'verified', 'valid', 'validity', 'bounce', 'bounced', 'consent', 'count', 'campaign', 'unsubscribe',
  'unsubscribed', 'source', 'id', 'flag', 'dnc', 'confirmed', 'domain', 'format', 'ext', 'extension', 'country',
  'code', 'last', 'first', 'rating', 'stage', 'priority', 'preference', 'preferred', 'permission', 'marketing',
  'subscribed', 'sent', 'opened', 'clicked', 'hash', 'sha256', 'md5', 'label', 'tag', 'tags', 'quality', 'language',
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
  const swapped = differences.length === 2 && second === (first ?? 0) + 1 && a[first ?? 0] === b[second ?? 0] && a[second ?? 0] === b[first ?? 0];
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
  return header.length === name.length && header.some((word, index) => word !== name[index]) && header.every((word, index) => wordsAlike(word, name[index] ?? ''));
}

/** Scores how well a header names a field; undefined when it does not. */
function matchHeader(header: string, field: FieldSpec): Candidate | undefined {
  const trimmed = header.trim();
  if (trimmed === field.name) return { field: field.name, confidence: 1, note: 'exact field name' };
  const lower = trimmed.toLowerCase();
  if (lower === field.name || lower === field.label.toLowerCase()) return { field: field.name, confidence: 0.97, note: 'field name or label' };
  if (field.aliases.some((alias) => alias.toLowerCase() === lower)) return { field: field.name, confidence: 0.96, note: 'alias' };
  const key = squash(trimmed);
  if (key === '') return undefined;
  if (key === squash(field.name) || key === squash(field.label)) return { field: field.name, confidence: 0.92, note: 'name ignoring case and punctuation' };
  if (field.aliases.some((alias) => squash(alias) === key)) return { field: field.name, confidence: 0.9, note: 'alias ignoring case and punctuation' };
  const synonyms = field.custom ? undefined : squashedSynonyms.get(field.name);
  if (synonyms?.has(key)) return { field: field.name, confidence: 0.88, note: 'common export header' };
  // Loose matching: typos of a known name, never across a qualifying word.
  const words = headerWords(trimmed);
  const names = [field.name, field.label, ...field.aliases, ...(field.custom ? [] : (STANDARD_SYNONYMS[field.name] ?? []))];
  for (const name of names) {
    const nameWords = headerWords(name);
    if (typoOf(words, nameWords) && !qualifiedAway(trimmed, field, new Set(nameWords))) {
      return { field: field.name, confidence: 0.75, note: `looks like a typo of "${name}"` };
    }
  }
  return undefined;
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
}

/**
 * Suggests a field for every column: by name, label, alias, common export headers, then loosely (typos),
 * then by sample values (a column of email addresses is an email column whatever its header). Each field
 * goes to at most one column: when two columns match the same field, the better match wins and the other
 * is left unmapped with a note saying so.
 */
export function suggestMapping(headers: readonly string[], fields: readonly FieldSpec[], context: MappingContext = {}): ColumnMapping[] {
  const best = headers.map((header) => {
    let top: Candidate | undefined;
    for (const field of fields) {
      const candidate = matchHeader(header, field);
      if (candidate && (!top || candidate.confidence > top.confidence)) top = candidate;
    }
    return top;
  });
  const mapping = resolveConflicts(headers, best, new Set(fields.map((field) => field.name)));
  if (!context.samples || context.samples.length === 0) return mapping;
  const taken = new Set(mapping.map((column) => column.field).filter(Boolean));
  return mapping.map((column) => {
    if (column.field || column.note) return column;
    const values = context.samples?.map((row) => row[column.index] ?? '') ?? [];
    for (const type of SAMPLE_TYPES) {
      const field = fields.find((f) => f.type === type && !taken.has(f.name));
      if (!field || qualifiedAway(column.header, field, new Set())) continue;
      if (samplesAre(type, values, context.phoneRegion ?? 'US')) {
        taken.add(field.name);
        return { ...column, field: field.name, confidence: 0.7, note: `its values are ${type === 'email' ? 'email addresses' : 'phone numbers'}` };
      }
    }
    return column;
  });
}

// A second phone column ("Mobile" beside "Phone") goes to the flow's second phone field when it is free.
const OVERFLOW: Readonly<Record<string, string>> = { phone_1: 'phone_2' };

/** Gives each field to its strongest column; the first column wins a tie. */
function resolveConflicts(headers: readonly string[], candidates: readonly (Candidate | undefined)[], fieldNames: ReadonlySet<string>): ColumnMapping[] {
  const owner = new Map<string, number>();
  candidates.forEach((candidate, index) => {
    if (!candidate) return;
    const current = owner.get(candidate.field);
    if (current === undefined || (candidates[current]?.confidence ?? 0) < candidate.confidence) owner.set(candidate.field, index);
  });
  return headers.map((header, index) => {
    const candidate = candidates[index];
    if (!candidate) return { index, header, field: null, confidence: 0 };
    const winner = owner.get(candidate.field);
    if (winner === index) return { index, header, field: candidate.field, confidence: candidate.confidence, note: candidate.note };
    const other = headers[winner ?? 0];
    const overflow = OVERFLOW[candidate.field];
    if (overflow && fieldNames.has(overflow) && !owner.has(overflow)) {
      owner.set(overflow, index);
      return { index, header, field: overflow, confidence: Math.round(candidate.confidence * 0.9 * 100) / 100, note: `a second ${candidate.field} column ("${other}" has ${candidate.field})` };
    }
    return { index, header, field: null, confidence: 0, note: `also looks like ${candidate.field}, which is mapped from "${other}"` };
  });
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

/** A fingerprint of a header row, to recognise the next export with the same layout (templates). */
export function headerFingerprint(headers: readonly string[]): string {
  return headers.map(squash).join('|');
}
