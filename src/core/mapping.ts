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
const NONE: ReadonlySet<string> = new Set();

function synonymsOf(field: string): ReadonlySet<string> {
  return squashedSynonyms.get(field) ?? NONE;
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
  if (key === squash(field.name) || key === squash(field.label)) return { field: field.name, confidence: 0.9, note: 'name ignoring case and punctuation' };
  if (field.aliases.some((alias) => squash(alias) === key)) return { field: field.name, confidence: 0.9, note: 'alias ignoring case and punctuation' };
  if (synonymsOf(field.name).has(key)) return { field: field.name, confidence: 0.85, note: 'common export header' };
  return undefined;
}

/**
 * Suggests a field for every column. Each field is given to at most one column: when two columns match
 * the same field, the better match wins and the other is left unmapped with a note saying so.
 */
export function suggestMapping(headers: readonly string[], fields: readonly FieldSpec[]): ColumnMapping[] {
  const best = headers.map((header) => {
    let top: Candidate | undefined;
    for (const field of fields) {
      const candidate = matchHeader(header, field);
      if (candidate && (!top || candidate.confidence > top.confidence)) top = candidate;
    }
    return top;
  });
  return resolveConflicts(headers, best);
}

/** Gives each field to its strongest column; the first column wins a tie. */
export function resolveConflicts(headers: readonly string[], candidates: readonly (Candidate | undefined)[]): ColumnMapping[] {
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
    if (winner !== index) {
      const other = headers[winner ?? 0];
      return { index, header, field: null, confidence: 0, note: `also looks like ${candidate.field}, which is mapped from "${other}"` };
    }
    return { index, header, field: candidate.field, confidence: candidate.confidence, note: candidate.note };
  });
}

/** Builds the raw lead of a row from its cells under a mapping (field name per column index, null to skip). */
export function mapRow(cells: readonly string[], targets: readonly (string | null)[]): RawLead {
  const raw: RawLead = Object.create(null);
  for (let index = 0; index < targets.length; index++) {
    const field = targets[index];
    if (field) raw[field] = cells[index] ?? '';
  }
  return raw;
}
