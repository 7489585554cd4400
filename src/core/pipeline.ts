import { duplicateKeys, type StoredFields } from './dedup.js';
import { isBlankValue, normalise, type FieldValue, type NormaliseContext } from './field-types.js';
import type { FieldSpec, FlowSpec, SourceSpec } from './flow-spec.js';
import { suggestMapping } from './mapping.js';
import { evaluateRuleSet } from './rules.js';

/**
 * Raw values by field name (after column mapping). Keys are flow field names, which are snake_case: never
 * `__proto__`, but possibly `constructor`, so a missing key is read as "not a string", never as a value.
 */
export type RawLead = Record<string, string>;

/** What the pure part of the pipeline decides about one lead, before the duplicate check and storage. */
export interface Evaluation {
  readonly values: Record<string, FieldValue>;
  /** The values to store: normal when valid, the cleaned raw text when not, blank fields left out. */
  readonly fields: StoredFields;
  readonly accepted: boolean;
  readonly reasons: readonly string[];
  /** Duplicate keys (empty when the flow has no duplicate policy or the lead has no key values). */
  readonly keys: readonly string[];
}

/** Per-column hints found by looking at a whole column, such as day-first dates. */
export interface FieldHints {
  readonly dayFirst?: boolean;
  readonly date1904?: boolean;
}

interface CompiledField {
  readonly spec: FieldSpec;
  readonly context: NormaliseContext;
}

/** A flow prepared for evaluating many leads quickly. */
export interface CompiledFlow {
  readonly spec: FlowSpec;
  readonly fieldNames: ReadonlySet<string>;
  evaluate(raw: RawLead, sourceId: string): Evaluation;
  /**
   * The field each key of a real-time submission goes to (null: kept in the raw values only): its name, or
   * what an import's header would map to ("First Name", an alias). Remembered per set of keys, since a
   * source sends the same keys every time.
   */
  targetsOf(keys: readonly string[]): readonly (string | null)[];
}

const KEY_SETS_REMEMBERED = 256;

/**
 * Compiles a flow: field contexts, source criteria lookups. Hints apply per field name. `now` is the time
 * two-digit years are read against (an import passes its start, so every row reads them alike); without
 * it, the clock at each value.
 */
export function compileFlow(
  spec: FlowSpec,
  hints: Readonly<Record<string, FieldHints>> = {},
  now?: Date,
): CompiledFlow {
  const year = now?.getUTCFullYear();
  const fields: CompiledField[] = spec.fields.map((field) => ({
    spec: field,
    context: {
      phoneRegion: spec.defaultPhoneRegion,
      choices: field.choices,
      ...(year === undefined ? {} : { year }),
      ...hints[field.name],
    },
  }));
  const sources = new Map<string, SourceSpec>(spec.sources.map((source) => [source.id, source]));
  const fieldNames = new Set(spec.fields.map((field) => field.name));
  const perField = spec.duplicates?.fields ?? {};
  const clearedWhenBlank = new Set(Object.keys(perField).filter((name) => perField[name] === 'always'));
  const targetsByKeys = new Map<string, readonly (string | null)[]>();
  return {
    spec,
    fieldNames,
    targetsOf(keys) {
      const signature = keys.join('\u0000');
      let targets = targetsByKeys.get(signature);
      if (!targets) {
        targets = keys.every((key) => fieldNames.has(key))
          ? keys
          : suggestMapping(keys, spec.fields).map((column) => column.field);
        if (targetsByKeys.size >= KEY_SETS_REMEMBERED) targetsByKeys.clear();
        targetsByKeys.set(signature, targets);
      }
      return targets;
    },
    evaluate(raw, sourceId) {
      // Plain objects (see RawLead): every field of the flow is set on `values`.
      const values: Record<string, FieldValue> = {};
      const stored: StoredFields = {};
      const reasons: string[] = [];
      for (const { spec: field, context } of fields) {
        const text = raw[field.name];
        const value = normalise(field.type, typeof text === 'string' ? withoutNul(text) : '', context);
        values[field.name] = value;
        if (isBlankValue(value)) {
          if (field.required) reasons.push(`${field.name} is required`);
          // A blank the lead carried clears the stored value of an `always` field when it is a duplicate.
          if (typeof text === 'string' && clearedWhenBlank.has(field.name)) stored[field.name] = null;
          continue;
        }
        stored[field.name] = value.valid ? value.normal : value.raw.trim();
      }
      if (spec.acceptance) reasons.push(...evaluateRuleSet(spec.acceptance, values).reasons);
      const sourceAcceptance = sources.get(sourceId)?.acceptance;
      if (sourceAcceptance) reasons.push(...evaluateRuleSet(sourceAcceptance, values).reasons);
      const accepted = reasons.length === 0;
      const keys = accepted && spec.duplicates ? duplicateKeys(spec.duplicates, values) : [];
      return { values, fields: stored, accepted, reasons: unique(reasons), keys };
    },
  };
}

// No lead value means a NUL character, and PostgreSQL text cannot hold one: it would fail the whole batch.
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

function unique(items: string[]): string[] {
  return items.length < 2 ? items : [...new Set(items)];
}

/** Joins reasons into the one reason string stored on an event. */
export function joinReasons(reasons: readonly string[]): string {
  return reasons.join('; ');
}
