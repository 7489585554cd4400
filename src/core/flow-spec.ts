import type { Choice, FieldType } from './field-types.js';
import type { RuleSet } from './rules.js';

/** A field of a flow, with catalogue defaults already applied. */
export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly aliases: readonly string[];
  readonly choices: readonly Choice[];
  readonly custom: boolean;
}

export type DuplicateAction = 'reject' | 'update' | 'merge';

/** One duplicate key: a field name, or several fields that together form a composite key. */
export type DuplicateKey = string | readonly string[];

/**
 * How a duplicate's value for one field treats the stored lead's: `always` overwrites (a value the duplicate
 * carries blank clears it), `if_new_non_empty` overwrites when the new value is not blank (update's
 * default), `if_empty` fills only a blank stored value (merge's default).
 */
export const FIELD_UPDATE_POLICIES = ['always', 'if_new_non_empty', 'if_empty'] as const;
export type FieldUpdatePolicy = (typeof FIELD_UPDATE_POLICIES)[number];

export interface DuplicatePolicy {
  readonly keys: readonly DuplicateKey[];
  /** Look back this many days; null means forever. */
  readonly windowDays: number | null;
  readonly action: DuplicateAction;
  readonly scope: 'flow' | 'account';
  /** Per-field policies for update and merge, overriding the action's default for those fields. */
  readonly fields?: Readonly<Record<string, FieldUpdatePolicy>> | undefined;
}

export interface SourceSpec {
  readonly id: string;
  readonly name: string;
  readonly acceptance?: RuleSet | undefined;
}

/** A flow as the pipeline sees it: the parsed, defaulted flow definition file. */
export interface FlowSpec {
  readonly id: string;
  readonly name: string;
  readonly defaultPhoneRegion: string;
  readonly fields: readonly FieldSpec[];
  readonly acceptance?: RuleSet | undefined;
  readonly duplicates?: DuplicatePolicy | undefined;
  readonly sources: readonly SourceSpec[];
  readonly webhook?: { readonly url: string } | undefined;
}
