import type { Kysely, Transaction } from 'kysely';
import { combineFields, duplicateScope, type StoredFields } from '../core/dedup.js';
import { newId } from '../core/ids.js';
import { joinReasons, type CompiledFlow, type Evaluation, type RawLead } from '../core/pipeline.js';
import type { RowWriter, Store } from '../db/database.js';
import type { DB, EventTable, LeadTable } from '../db/schema.js';
import type { DryRunLedger } from './dry-run-ledger.js';
import {
  claimDuplicateKeys,
  findDuplicateKeys,
  findLeadFields,
  insertEvents,
  insertLeads,
  lockDuplicateKeys,
  releaseExpiredKeys,
  updateLeadFields,
} from './lead.repository.js';

export type Outcome = 'success' | 'failure' | 'error';
export type Action = 'created' | 'updated' | 'merged' | 'rejected' | 'duplicate' | 'error';

/**
 * One lead entering the storage step, as the pure pipeline left it. Values travel as JSON text: a batch's
 * submissions can cross to another thread cheaply, and the storage step writes them without re-encoding.
 */
export interface Submission {
  /**
   * A fresh UUIDv7, made where the row was evaluated (the import worker's thread): the id of the lead the
   * submission creates, or of the rejected submission, and of its event.
   */
  readonly id: string;
  readonly rowNumber: number | null;
  /** accepted by the criteria; rejected by them; error: the row could not be evaluated (ragged, oversized). */
  readonly verdict: 'accepted' | 'rejected' | 'error';
  /** Why it was rejected or could not be evaluated. */
  readonly reason: string | null;
  /** The raw values by field (JSON), stored with the lead; null for a rejected batch row (never stored). */
  readonly rawJson: string | null;
  /** The normalised values to store (JSON); null unless accepted. */
  readonly fieldsJson: string | null;
  readonly keys: readonly string[];
  /** What the failed-records file shows if the submission does not succeed: a row's cells (when it may fail), or the raw values (JSON). */
  readonly originalJson: string;
  readonly durationUs: number;
}

/** The submission of an evaluated lead; `cells` are a batch row's original cells, given when it may fail. */
export function evaluatedSubmission(rowNumber: number | null, raw: RawLead, evaluation: Evaluation, durationUs: number, cells?: readonly string[]): Submission {
  const cellsJson = cells ? JSON.stringify(cells) : null;
  // Only a lead that may be stored needs its raw values; a rejected row's failed record shows its cells.
  const rawJson = evaluation.accepted || cellsJson === null ? JSON.stringify(raw) : null;
  return {
    id: newId(),
    rowNumber,
    verdict: evaluation.accepted ? 'accepted' : 'rejected',
    reason: evaluation.accepted ? null : joinReasons(evaluation.reasons),
    rawJson,
    fieldsJson: evaluation.accepted ? JSON.stringify(evaluation.fields) : null,
    keys: evaluation.keys,
    originalJson: cellsJson ?? rawJson ?? '{}',
    durationUs,
  };
}

/** The submission of a row that could not be evaluated. */
export function erroredSubmission(rowNumber: number | null, raw: RawLead, reason: string, cells?: readonly string[]): Submission {
  return { id: newId(), rowNumber, verdict: 'error', reason, rawJson: null, fieldsJson: null, keys: [], originalJson: JSON.stringify(cells ?? raw), durationUs: 0 };
}

export interface SubmissionResult {
  readonly outcome: Outcome;
  readonly action: Action;
  readonly reason: string | null;
  readonly leadId: string;
  readonly duplicate: boolean;
  /** For a duplicate that was rejected: the lead it matched and the key's field names. */
  readonly duplicateOf?: { readonly leadId: string; readonly key: string };
}

// A duplicate key is "<fields>=<values>" (core/dedup): the fields say which rule matched, without the values.
function keyFields(key: string): string {
  return key.slice(0, key.indexOf('='));
}

export interface BatchContext {
  readonly flow: CompiledFlow;
  readonly sourceId: string;
  readonly importId: string | null;
}


/** Thrown when a concurrent writer claimed a duplicate key first: roll back and run the batch again. */
export class DuplicateKeyRace extends Error {
  constructor() {
    super('a concurrent submission claimed a duplicate key first');
  }
}

const DAY_MS = 86_400_000;

interface NewLead {
  readonly id: string;
  /** The stored fields as JSON, until a later duplicate in the batch merges into them. */
  fieldsJson: string;
  readonly rawJson: string;
  readonly rowNumber: number | null;
  readonly keys: readonly string[];
  readonly durationUs: number;
}

function parseFields(json: string | null): StoredFields {
  return json ? (JSON.parse(json) as StoredFields) : {};
}

/** What a batch will write: decided by planBatch, written by writeBatch. */
export interface BatchPlan {
  readonly results: SubmissionResult[];
  readonly events: EventTable[];
  readonly leads: LeadTable[];
  readonly updates: ReadonlyMap<string, StoredFields>;
  readonly claims: readonly { key: string; leadId: string }[];
  readonly scope: string;
  readonly expired: readonly string[];
  readonly cutoff: string | null;
  readonly now: string;
}

/**
 * The decision half of the storage step for a batch: the duplicate check against stored leads and within
 * the batch (and, for dry runs, within the whole file), and the outcome of every submission. Reads only.
 */
export async function planBatch(
  db: Kysely<DB>,
  writer: RowWriter | null,
  context: BatchContext,
  submissions: readonly Submission[],
  dryRun: DryRunLedger | null = null,
): Promise<BatchPlan> {
  const now = new Date();
  const nowIso = now.toISOString();
  const policy = context.flow.spec.duplicates;
  const scope = policy ? duplicateScope(policy, context.flow.spec.id) : '';
  const cutoff = policy?.windowDays ? new Date(now.getTime() - policy.windowDays * DAY_MS).toISOString() : null;

  const wanted = new Set<string>();
  for (const submission of submissions) for (const key of submission.keys) wanted.add(key);
  const existing = policy && wanted.size > 0 ? await findDuplicateKeys(db, writer, scope, [...wanted]) : new Map();
  const expired: string[] = [];
  const live = new Map<string, string>();
  for (const claim of existing.values()) {
    if (cutoff && claim.createdAt < cutoff) expired.push(claim.key);
    else live.set(claim.key, claim.leadId);
  }
  const merging = policy !== undefined && policy.action !== 'reject' && dryRun === null;
  const storedFields = merging && live.size > 0 ? await findLeadFields(db, [...new Set(live.values())]) : new Map<string, StoredFields>();

  // Keys claimed by earlier rows of a dry run count as stored: they are in the file, whatever the window.
  if (dryRun && wanted.size > 0) for (const [key, leadId] of dryRun.lookup([...wanted])) live.set(key, leadId);
  const owners = new Map<string, string>();
  const newLeads = new Map<string, NewLead>();
  const updates = new Map<string, StoredFields>();
  const results: SubmissionResult[] = [];
  const events: EventTable[] = [];

  // Decides one submission in file order; an update of a stored lead records what it overwrote (for revert).
  const decide = (submission: Submission): { result: SubmissionResult; previous: string | null } => {
    if (submission.verdict === 'error') {
      return { result: { outcome: 'error', action: 'error', reason: submission.reason ?? 'row could not be read', leadId: submission.id, duplicate: false }, previous: null };
    }
    if (submission.verdict === 'rejected') {
      return { result: { outcome: 'failure', action: 'rejected', reason: submission.reason, leadId: submission.id, duplicate: false }, previous: null };
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
        return { result: { outcome: 'failure', action: 'duplicate', reason: 'duplicate', leadId: submission.id, duplicate: true, duplicateOf: { leadId: match, key: keyFields(matchedKey) } }, previous: null };
      }
      const action = policy.action === 'update' ? 'updated' : 'merged';
      const pending = newLeads.get(match);
      let previous: string | null = null;
      if (pending) {
        pending.fieldsJson = JSON.stringify(combineFields(policy.action, parseFields(pending.fieldsJson), parseFields(submission.fieldsJson)));
      } else if (!dryRun) {
        const before = updates.get(match) ?? storedFields.get(match) ?? {};
        previous = JSON.stringify(before);
        updates.set(match, combineFields(policy.action, before, parseFields(submission.fieldsJson)));
      }
      return { result: { outcome: 'success', action, reason: null, leadId: match, duplicate: true }, previous };
    }
    const id = submission.id;
    newLeads.set(id, { id, fieldsJson: submission.fieldsJson ?? '{}', rawJson: submission.rawJson ?? '{}', rowNumber: submission.rowNumber, keys: submission.keys, durationUs: submission.durationUs });
    for (const key of submission.keys) owners.set(key, id);
    return { result: { outcome: 'success', action: 'created', reason: null, leadId: id, duplicate: false }, previous: null };
  };

  for (const submission of submissions) {
    const { result, previous } = decide(submission);
    results.push(result);
    // An import row that created a lead is that lead's creation event (migration 0004): nothing more to write.
    if (result.action === 'created' && context.importId !== null) continue;
    events.push({
      id: submission.id,
      flow_id: context.flow.spec.id,
      source_id: context.sourceId,
      import_id: context.importId,
      row_number: submission.rowNumber,
      outcome: result.outcome,
      action: result.action,
      reason: result.reason,
      lead_id: result.leadId,
      duplicate: result.duplicate ? 1 : 0,
      raw_row: result.outcome === 'success' ? null : submission.originalJson,
      previous,
      fields: result.action === 'updated' || result.action === 'merged' ? submission.fieldsJson : null,
      duplicate_of: result.duplicateOf?.leadId ?? null,
      duplicate_key: result.duplicateOf?.key ?? null,
      duration_us: submission.durationUs,
      created_at: nowIso,
    });
  }

  const leads: LeadTable[] = [...newLeads.values()].map((lead) => ({
    id: lead.id,
    flow_id: context.flow.spec.id,
    source_id: context.sourceId,
    import_id: context.importId,
    row_number: lead.rowNumber,
    fields: lead.fieldsJson,
    raw: lead.rawJson,
    created_at: nowIso,
    updated_at: nowIso,
    duration_us: lead.durationUs,
  }));
  // Sorted, so concurrent writers take key locks in the same order and cannot deadlock each other on them.
  const claims = [...newLeads.values()]
    .flatMap((lead) => lead.keys.map((key) => ({ key, leadId: lead.id })))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (dryRun) dryRun.record(claims);
  return { results, events, leads, updates, claims, scope, expired, cutoff, now: nowIso };
}

/**
 * The write half: one multi-row statement per table. Duplicate keys are claimed first; if a concurrent
 * writer holds one, DuplicateKeyRace is thrown so the caller rolls back and plans the batch again.
 */
export async function writeBatch(trx: Transaction<DB>, writer: RowWriter | null, plan: BatchPlan): Promise<void> {
  if (plan.expired.length > 0 && plan.cutoff) await releaseExpiredKeys(trx, plan.scope, plan.expired, plan.cutoff);
  if (plan.claims.length > 0) {
    const claimed = await claimDuplicateKeys(trx, writer, plan.scope, plan.claims, plan.now);
    if (claimed !== plan.claims.length) throw new DuplicateKeyRace();
  }
  await insertLeads(trx, writer, plan.leads);
  for (const [leadId, fields] of plan.updates) await updateLeadFields(trx, leadId, fields, plan.now);
  await insertEvents(trx, writer, plan.events);
}

const RACE_RETRIES = 5;

// PostgreSQL deadlock_detected and serialization_failure: the transaction was rolled back and may run again.
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

function isRetryable(error: unknown): boolean {
  return error instanceof DuplicateKeyRace || RETRYABLE_SQLSTATES.has((error as { code?: string })?.code ?? '');
}

/**
 * Plans and writes a batch in one transaction, planning again when a concurrent writer won a duplicate key
 * (PostgreSQL; SQLite's immediate transactions serialise writers). `extra` runs in the same transaction.
 */
export async function storeBatch(
  store: Store,
  context: BatchContext,
  submissions: readonly Submission[],
  extra?: (trx: Transaction<DB>, plan: BatchPlan) => Promise<void>,
): Promise<BatchPlan> {
  const policy = context.flow.spec.duplicates;
  const keys = policy ? [...new Set(submissions.flatMap((submission) => submission.keys))] : [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.db.transaction().execute(async (trx) => {
        // PostgreSQL: writers of the same keys (an import's chunk, real-time groups) take turns, so the plan
        // below sees every claim committed before it and a lost race cannot happen. SQLite's immediate
        // transactions already run one writer at a time.
        if (policy && store.dialect === 'postgres') await lockDuplicateKeys(trx, duplicateScope(policy, context.flow.spec.id), keys);
        const plan = await planBatch(trx, store.rowWriter, context, submissions);
        await writeBatch(trx, store.rowWriter, plan);
        if (extra) await extra(trx, plan);
        return plan;
      });
    } catch (error) {
      if (!isRetryable(error) || attempt >= RACE_RETRIES) throw error;
    }
  }
}
