import type { FlowSpec } from './flow-spec.js';
import { mapRow } from './mapping.js';
import { compileFlow, type FieldHints } from './pipeline.js';

/**
 * Whether an import into this flow can be split into parts by duplicate key with results identical to one
 * worker's: only when a row has at most one key (no policy, or a policy with a single key, composite or
 * not). With alternative keys (email or phone) two rows can be linked through a third that shares one key
 * with each, so no split by key keeps every linked row in one part.
 */
export function partitionable(flow: FlowSpec): boolean {
  return flow.duplicates === undefined || flow.duplicates.keys.length === 1;
}

/** What decides a row's part: the flow and mapping the import evaluates with, and how many parts. */
export interface PartitionInput {
  readonly flow: FlowSpec;
  readonly targets: readonly (string | null)[];
  readonly hints: Readonly<Record<string, FieldHints>>;
  /** The time the import's flow is compiled for (two-digit years), so a date key normalises alike. */
  readonly now?: Date | undefined;
  readonly parts: number;
}

/**
 * The part (0..parts-1) of a row, from its cells and record number: rows with the same duplicate key (as
 * the flow's evaluation computes it: normalised, so "ANN@X.COM " and "ann@x.com" agree) land in the same
 * part, by a hash of the key; a row without a key (blank key fields, or no policy) goes by its record
 * number. Only the key fields are mapped and normalised, by the flow reduced to them with nothing required
 * and no criteria, so the key is computed whether or not the row would be accepted: a row the full flow
 * rejects has no key there and touches no other row, so any part is right for it. For a flow that is not
 * `partitionable`, the part is meaningless: such an import runs as one part.
 */
export function rowPartition(input: PartitionInput): (cells: readonly string[], recordNumber: number) => number {
  const { parts } = input;
  const policy = input.flow.duplicates;
  const key = policy?.keys[0];
  if (parts <= 1) return () => 0;
  if (!policy || key === undefined) return (_cells, recordNumber) => recordNumber % parts;
  const names = new Set(typeof key === 'string' ? [key] : key);
  const keyFlow = compileFlow(
    {
      id: input.flow.id,
      name: input.flow.name,
      defaultPhoneRegion: input.flow.defaultPhoneRegion,
      fields: input.flow.fields
        .filter((field) => names.has(field.name))
        .map((field) => ({ ...field, required: false })),
      duplicates: { ...policy, keys: [key] },
      sources: [],
    },
    input.hints,
    input.now,
  );
  const keyTargets = input.targets.map((target) => (target !== null && names.has(target) ? target : null));
  return (cells, recordNumber) => {
    const [rowKey] = keyFlow.evaluate(mapRow(cells, keyTargets), '').keys;
    return rowKey === undefined ? recordNumber % parts : stringHash(rowKey) % parts;
  };
}

/**
 * FNV-1a (32 bits) over the string's UTF-16 code units: the same on every machine and Node version, so
 * every worker of an import puts a key in the same part.
 */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
