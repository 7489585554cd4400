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

export interface DuplicatePolicy {
  readonly keys: readonly DuplicateKey[];
  /** Look back this many days; null means forever. */
  readonly windowDays: number | null;
  readonly action: DuplicateAction;
  readonly scope: 'flow' | 'account';
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
