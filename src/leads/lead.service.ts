import type { Kysely, Transaction } from 'kysely';
import { duplicateScope, type StoredFields } from '../core/dedup.js';
import {
  decideDuplicates,
  type Decision,
  type DecisionAction,
  type DecisionOutcome,
} from '../core/duplicate-decision.js';
import { newId } from '../core/ids.js';
import { joinReasons, type CompiledFlow, type Evaluation, type RawLead } from '../core/pipeline.js';
import type { RowWriter, Store } from '../db/database.js';
import type { DB, EventTable, LeadTable } from '../db/schema.js';
import type { DryRunLedger } from './dry-run-ledger.js';
import {
  claimDuplicateKeys,
  type ClaimedKey,
  findDuplicateKeys,
  findLeadFields,
  insertEvents,
  insertLeads,
  lockDuplicateKeys,
  releaseExpiredKeys,
  updateLeadFields,
} from './lead.repository.js';

export type Outcome = DecisionOutcome;
export type Action = DecisionAction;

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
  /** A routed import's row: the flow and source it names (the batch context's otherwise). */
  readonly flowId?: string;
  readonly sourceId?: string;
}

/** The submission of an evaluated lead; `cells` are a batch row's original cells, given when it may fail. */
export function evaluatedSubmission(
  rowNumber: number | null,
  raw: RawLead,
  evaluation: Evaluation,
  durationUs: number,
  cells?: readonly string[],
): Submission {
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

/** The submission of a row that could not be evaluated (`error`), or was refused before it was (`rejected`). */
export function erroredSubmission(
  rowNumber: number | null,
  raw: RawLead,
  reason: string,
  cells?: readonly string[],
  verdict: 'error' | 'rejected' = 'error',
): Submission {
  return {
    id: newId(),
    rowNumber,
    verdict,
    reason,
    rawJson: null,
    fieldsJson: null,
    keys: [],
    originalJson: JSON.stringify(cells ?? raw),
    durationUs: 0,
  };
}

/** What became of a submission (core/duplicate-decision's Decision; the fields callers read). */
export interface SubmissionResult {
  readonly outcome: Outcome;
  readonly action: Action;
  readonly reason: string | null;
  readonly leadId: string;
  readonly duplicate: boolean;
  /** For a duplicate that was rejected: the lead it matched and the key's field names. */
  readonly duplicateOf?: { readonly leadId: string; readonly key: string };
  /** An update or merge that changes no value of the lead (counted as updated too). */
  readonly unchanged: boolean;
}

export interface BatchContext {
  /** The flow the batch's rows go to: its id and duplicate policy are what storing them needs. */
  readonly flow: Pick<CompiledFlow, 'spec'>;
  readonly sourceId: string;
  readonly importId: string | null;
}

/** Thrown when a concurrent writer claimed a duplicate key first: roll back and run the batch again. */
export class DuplicateKeyRace extends Error {
  constructor() {
    super('a concurrent submission claimed a duplicate key first');
  }
}

// Submissions carry their values as JSON text; only a duplicate that updates or merges needs them parsed.
function fieldsOf(submission: Submission): StoredFields {
  return submission.fieldsJson ? (JSON.parse(submission.fieldsJson) as StoredFields) : {};
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
 * The decision half of the storage step for a batch: reads the stored claims on the batch's keys (and the
 * fields of the leads they point to, when duplicates update or merge), lets the core decide
 * (decideDuplicates: against stored leads, within the batch and, for dry runs, within the whole file), and
 * builds the rows to write. Reads only; a dry run records its would-be claims in the ledger.
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

  const wanted = new Set<string>();
  for (const submission of submissions) for (const key of submission.keys) wanted.add(key);
  const claims =
    policy && wanted.size > 0 ? await findDuplicateKeys(db, writer, scope, [...wanted]) : new Map<string, ClaimedKey>();
  // Fields are read for the leads a duplicate may update or merge into; a dry run changes none, but reads
  // them to tell whether a duplicate would change anything (the `unchanged` count).
  let storedFields = new Map<string, StoredFields>();
  if (policy !== undefined && policy.action !== 'reject' && claims.size > 0) {
    storedFields = await findLeadFields(db, [...new Set([...claims.values()].map((claim) => claim.leadId))]);
  }
  const claimedInFile = dryRun
    ? wanted.size > 0
      ? dryRun.lookup(scope, [...wanted])
      : new Map<string, string>()
    : null;
  const decision = decideDuplicates({ submissions, policy, fieldsOf, claims, storedFields, now, claimedInFile });

  const events: EventTable[] = [];
  const leads: LeadTable[] = [];
  const flowId = context.flow.spec.id;
  submissions.forEach((submission, index) => {
    const result = decision.decisions[index] as Decision;
    if (result.action === 'created') {
      const merged = decision.createdFields.get(submission.id);
      leads.push({
        id: submission.id,
        flow_id: flowId,
        source_id: submission.sourceId ?? context.sourceId,
        import_id: context.importId,
        row_number: submission.rowNumber,
        fields: merged ? JSON.stringify(merged) : (submission.fieldsJson ?? '{}'),
        raw: submission.rawJson ?? '{}',
        created_at: nowIso,
        updated_at: nowIso,
        duration_us: submission.durationUs,
      });
      // An import row that created a lead is that lead's creation event (migration 0004): nothing more to write.
      if (context.importId !== null) return;
    }
    events.push({
      id: submission.id,
      flow_id: flowId,
      source_id: submission.sourceId ?? context.sourceId,
      import_id: context.importId,
      row_number: submission.rowNumber,
      outcome: result.outcome,
      action: result.action,
      reason: result.reason,
      lead_id: result.leadId,
      duplicate: result.duplicate ? 1 : 0,
      raw_row: result.outcome === 'success' ? null : submission.originalJson,
      previous: result.previous ? JSON.stringify(result.previous) : null,
      fields: result.action === 'updated' || result.action === 'merged' ? submission.fieldsJson : null,
      duplicate_of: result.duplicateOf?.leadId ?? null,
      duplicate_key: result.duplicateOf?.key ?? null,
      duration_us: submission.durationUs,
      created_at: nowIso,
    });
  });
  if (dryRun) dryRun.record(scope, decision.claims);
  return {
    results: decision.decisions,
    events,
    leads,
    updates: decision.updates,
    claims: decision.claims,
    scope,
    expired: decision.expired,
    cutoff: decision.cutoff,
    now: nowIso,
  };
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
  await updateLeadFields(trx, writer, plan.updates, plan.now);
  await insertEvents(trx, writer, plan.events);
}

const RACE_RETRIES = 5;

// PostgreSQL deadlock_detected and serialization_failure: the transaction was rolled back and may run again.
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']);

function isRetryable(error: unknown): boolean {
  return error instanceof DuplicateKeyRace || RETRYABLE_SQLSTATES.has((error as { code?: string })?.code ?? '');
}

/** A batch's rows that go to one flow: a routed import's batch has one part per flow its rows name. */
export interface BatchPart {
  readonly context: BatchContext;
  readonly submissions: readonly Submission[];
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
  const [plan] = await storeBatches(
    store,
    [{ context, submissions }],
    extra && ((trx, plans) => extra(trx, plans[0] as BatchPlan)),
  );
  return plan as BatchPlan;
}

/**
 * Stores the parts of a batch in one transaction, in order (a later part sees what an earlier one claimed),
 * and returns a plan per part. On PostgreSQL the duplicate keys of every part are locked first, all in one
 * sorted order, so writers of the same keys (an import's batch, real-time groups) take turns without
 * deadlocking and a lost race cannot happen; SQLite's immediate transactions already run one writer at a time.
 */
export async function storeBatches(
  store: Store,
  parts: readonly BatchPart[],
  extra?: (trx: Transaction<DB>, plans: readonly BatchPlan[]) => Promise<void>,
): Promise<BatchPlan[]> {
  const locks = parts.flatMap(({ context, submissions }) => {
    const policy = context.flow.spec.duplicates;
    if (!policy) return [];
    const keys = [...new Set(submissions.flatMap((submission) => submission.keys))];
    return [{ scope: duplicateScope(policy, context.flow.spec.id), keys }];
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (trx, writer) => {
        if (store.dialect === 'postgres') await lockDuplicateKeys(trx, locks);
        const plans: BatchPlan[] = [];
        for (const { context, submissions } of parts) {
          const plan = await planBatch(trx, writer, context, submissions);
          await writeBatch(trx, writer, plan);
          plans.push(plan);
        }
        if (extra) await extra(trx, plans);
        return plans;
      });
    } catch (error) {
      if (!isRetryable(error) || attempt >= RACE_RETRIES) throw error;
    }
  }
}
