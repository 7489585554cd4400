import { combineFields, type StoredFields } from './dedup.js';
import type { DuplicatePolicy } from './flow-spec.js';

const DAY_MS = 86_400_000;

/** A submission as the duplicate decision sees it: what the criteria said and its duplicate keys. */
export interface DecisionCandidate {
  /** The id of the lead the submission creates (and of its event). */
  readonly id: string;
  /** accepted by the criteria; rejected by them; error: the row could not be evaluated. */
  readonly verdict: 'accepted' | 'rejected' | 'error';
  readonly reason: string | null;
  readonly keys: readonly string[];
}

/** A stored duplicate key's owner. */
export interface StoredClaim {
  readonly leadId: string;
  /** ISO time the key was claimed: claims older than the look-back window no longer count. */
  readonly createdAt: string;
}

export interface DecisionInput<T extends DecisionCandidate> {
  readonly submissions: readonly T[];
  /** The flow's policy; without one nothing is a duplicate. */
  readonly policy: DuplicatePolicy | undefined;
  /** The incoming values of an accepted submission: asked only when it updates or merges into a lead. */
  readonly fieldsOf: (submission: T) => StoredFields;
  /** The stored claims found for the submissions' keys, by key. */
  readonly claims: ReadonlyMap<string, StoredClaim>;
  /**
   * The stored fields of the leads those claims point to, for update and merge (a dry run needs them too:
   * they tell whether a duplicate would change anything).
   */
  readonly storedFields: ReadonlyMap<string, StoredFields>;
  /** The time of the decision: the look-back window ends here. */
  readonly now: Date;
  /**
   * A dry run: the keys earlier batches of the same file claimed (key -> would-be lead). They count as
   * stored whatever the window, and stored leads are not updated. Null for a batch that is written.
   */
  readonly claimedInFile: ReadonlyMap<string, string> | null;
}

export type DecisionOutcome = 'success' | 'failure' | 'error';
export type DecisionAction = 'created' | 'updated' | 'merged' | 'rejected' | 'duplicate' | 'error';

/** What becomes of one submission. */
export interface Decision {
  readonly outcome: DecisionOutcome;
  readonly action: DecisionAction;
  readonly reason: string | null;
  /** The lead created, or updated/merged into; the submission's own id when nothing is stored. */
  readonly leadId: string;
  readonly duplicate: boolean;
  /** For a duplicate that was rejected: the lead it matched and the matching key's field names. */
  readonly duplicateOf?: { readonly leadId: string; readonly key: string };
  /** For an update of a stored lead: its fields before this submission (what a revert restores). */
  readonly previous: StoredFields | null;
  /**
   * An update or merge that changes no value of the lead it matched (it still counts as updated). False
   * when the lead's fields are not known: a dry run's would-be lead from an earlier batch of the file.
   */
  readonly unchanged: boolean;
}

/** The decision for a batch: a result per submission, and what storing them writes. */
export interface BatchDecision {
  /** In the order of the submissions. */
  readonly decisions: Decision[];
  /** The ids of the submissions that create a lead, in order. */
  readonly created: string[];
  /** New leads whose fields later submissions of the batch updated or merged into: their final fields. */
  readonly createdFields: ReadonlyMap<string, StoredFields>;
  /** Stored leads to overwrite (not in a dry run): their fields after every submission of the batch. */
  readonly updates: ReadonlyMap<string, StoredFields>;
  /** The keys the new leads claim, sorted (concurrent writers take key locks in one order). */
  readonly claims: { key: string; leadId: string }[];
  /** Stored keys whose owners fell out of the look-back window: released before claiming. */
  readonly expired: string[];
  /** The oldest claim time still inside the window (ISO), or null when the window is forever. */
  readonly cutoff: string | null;
}

// A duplicate key is "<fields>=<values>" (core/dedup): the fields say which rule matched, without the values.
function keyFields(key: string): string {
  return key.slice(0, key.indexOf('='));
}

// A field's value, blank (null, '' or missing: what combineFields treats as empty) as null.
function valueIn(fields: StoredFields, name: string): StoredFields[string] {
  const value = Object.hasOwn(fields, name) ? fields[name] : null;
  return value === '' || value === undefined ? null : value;
}

/** Whether two sets of fields hold the same value in every field, whatever their order. */
function sameFields(before: StoredFields, after: StoredFields): boolean {
  for (const name of Object.keys(after)) if (valueIn(after, name) !== valueIn(before, name)) return false;
  for (const name of Object.keys(before))
    if (!Object.hasOwn(after, name) && valueIn(before, name) !== null) return false;
  return true;
}

/**
 * Decides, in order, which submissions create a lead, update or merge into one, or are duplicates, given
 * the policy, the stored claims on their keys (and, in a dry run, the keys earlier batches claimed) and
 * the time. A key claimed by an earlier submission of the batch counts before a stored one. Pure: the
 * caller reads the claims and fields and writes the result.
 */
export function decideDuplicates<T extends DecisionCandidate>(input: DecisionInput<T>): BatchDecision {
  const { policy, claimedInFile } = input;
  const dryRun = claimedInFile !== null;
  const cutoff = policy?.windowDays ? new Date(input.now.getTime() - policy.windowDays * DAY_MS).toISOString() : null;
  const expired: string[] = [];
  const live = new Map<string, string>();
  for (const [key, claim] of input.claims) {
    if (cutoff && claim.createdAt < cutoff) expired.push(key);
    else live.set(key, claim.leadId);
  }
  if (claimedInFile) for (const [key, leadId] of claimedInFile) live.set(key, leadId);

  const owners = new Map<string, string>();
  const created: string[] = [];
  const createdKeys: (readonly string[])[] = [];
  const pending = new Map<string, T>();
  const createdFields = new Map<string, StoredFields>();
  // Stored leads' fields after the batch's submissions so far; a dry run keeps them only to compare.
  const updates = new Map<string, StoredFields>();

  const decide = (submission: T): Decision => {
    if (submission.verdict === 'error') {
      return {
        outcome: 'error',
        action: 'error',
        reason: submission.reason ?? 'row could not be read',
        leadId: submission.id,
        duplicate: false,
        previous: null,
        unchanged: false,
      };
    }
    if (submission.verdict === 'rejected') {
      return {
        outcome: 'failure',
        action: 'rejected',
        reason: submission.reason,
        leadId: submission.id,
        duplicate: false,
        previous: null,
        unchanged: false,
      };
    }
    let match: string | undefined;
    let matchedKey = '';
    for (const key of submission.keys) {
      match = owners.get(key) ?? live.get(key);
      matchedKey = key;
      if (match) break;
    }
    if (match && policy) {
      if (policy.action === 'reject') {
        return {
          outcome: 'failure',
          action: 'duplicate',
          reason: 'duplicate',
          leadId: submission.id,
          duplicate: true,
          duplicateOf: { leadId: match, key: keyFields(matchedKey) },
          previous: null,
          unchanged: false,
        };
      }
      const action = policy.action === 'update' ? 'updated' : 'merged';
      const lead = pending.get(match);
      let previous: StoredFields | null = null;
      let unchanged = false;
      if (lead) {
        // A lead created earlier in the batch: it is written once, with every later duplicate combined in.
        const before = createdFields.get(match) ?? input.fieldsOf(lead);
        const after = combineFields(policy.action, before, input.fieldsOf(submission), policy.fields);
        createdFields.set(match, after);
        unchanged = sameFields(before, after);
      } else {
        const known = updates.get(match) ?? input.storedFields.get(match);
        if (known !== undefined || !dryRun) {
          const before = known ?? {};
          const after = combineFields(policy.action, before, input.fieldsOf(submission), policy.fields);
          updates.set(match, after);
          unchanged = known !== undefined && sameFields(before, after);
          if (!dryRun) previous = before;
        }
        // Else a dry run's would-be lead of an earlier batch: its fields are nowhere, so it counts as changed.
      }
      return { outcome: 'success', action, reason: null, leadId: match, duplicate: true, previous, unchanged };
    }
    const id = submission.id;
    pending.set(id, submission);
    created.push(id);
    createdKeys.push(submission.keys);
    for (const key of submission.keys) owners.set(key, id);
    return {
      outcome: 'success',
      action: 'created',
      reason: null,
      leadId: id,
      duplicate: false,
      previous: null,
      unchanged: false,
    };
  };

  const decisions = input.submissions.map(decide);
  const claims: { key: string; leadId: string }[] = [];
  created.forEach((leadId, index) => {
    for (const key of createdKeys[index] ?? []) claims.push({ key, leadId });
  });
  claims.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { decisions, created, createdFields, updates: dryRun ? new Map() : updates, claims, expired, cutoff };
}
