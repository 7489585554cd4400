import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { Store } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { JobReleased, type JobRunner } from '../jobs/job-runner.js';
import { canTransition, transitionRefused } from './import-state.js';
import {
  deleteLeads,
  findFirstUpdateRows,
  findImport,
  findImportTouches,
  findLeadOrigins,
  findOtherChanges,
  lockForRevert,
  lockLeads,
  markReverted,
  restoreLeadFields,
  saveRevert,
  type ImportRow,
  type ImportTouch,
  type LeadChange,
} from './import.repository.js';
import { visibleImport } from './import-query.service.js';
import type { RevertResult } from './import.schema.js';

type RevertConflict = RevertResult['conflicts'][number];

/** Tries of a revert job before its revert is marked failed (a new request tries again from where it was). */
export const REVERT_ATTEMPTS = 3;
// Leads per transaction: small enough that real-time submissions never wait long for a batch.
const BATCH_ROWS = 500;
// The conflicts listed on the import; conflictCount has them all.
const CONFLICT_LIST_CAP = 1000;

function parseRevert(json: string | null): RevertResult | null {
  return json ? (JSON.parse(json) as RevertResult) : null;
}

function newRevert(): RevertResult {
  return {
    status: 'running',
    removed: 0,
    restored: 0,
    conflicts: [],
    conflictCount: 0,
    rowReached: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
  };
}

/**
 * Asks for an import to be reverted (`POST /api/imports/:id/revert`, `leadport imports revert`): records a
 * running revert and queues its job, once per import. Asking again while it runs changes nothing; a failed
 * revert goes on from where it stopped; an import already reverted is returned as it is (`started: false`).
 */
export async function requestRevert(
  db: Kysely<DB>,
  jobs: JobRunner,
  principal: Principal,
  importId: string,
): Promise<{ row: ImportRow; started: boolean }> {
  const row = await visibleImport(db, principal, importId);
  if (row.status === 'reverted') return { row, started: false };
  if (!canTransition(row.status, 'reverted')) throw transitionRefused(importId, row.status, 'reverted');
  const current = parseRevert(row.revert);
  if (current?.status !== 'running') {
    const revert = current ? { ...current, status: 'running' as const, finishedAt: null, error: null } : newRevert();
    await saveRevert(db, importId, JSON.stringify(revert));
  }
  await jobs.enqueue('revert', { importId }, { key: `revert:${importId}`, maxAttempts: REVERT_ATTEMPTS });
  return { row: (await findImport(db, importId)) as ImportRow, started: true };
}

/** What a revert run may be told: the worker's signal, a smaller batch (tests), and who follows its progress. */
export interface RevertHooks {
  /** Aborted when the worker stops or loses the job: the revert stops after the current batch. */
  readonly signal?: AbortSignal | undefined;
  readonly batchRows?: number;
  /** Told the figures after each committed batch (a progress bar). */
  readonly onProgress?: (revert: RevertResult) => void;
}

/**
 * Runs or resumes a revert, one transaction per batch of the import's rows, in file order: the leads the
 * import created are deleted, the leads it updated get back the fields from before its first change; a
 * lead something else changed since is left as it is and listed as a conflict. Each batch saves the row it
 * reached with its writes, so a run that dies resumes after its last committed batch and nothing is done
 * twice; on an import already reverted it does nothing. The import's events stay (its history).
 */
export async function executeRevert(store: Store, importId: string, hooks: RevertHooks = {}): Promise<void> {
  for (;;) {
    if (hooks.signal?.aborted) throw new JobReleased(String(hooks.signal.reason ?? 'shutdown'));
    const revert = await store.transaction((trx) => revertBatch(trx, importId, hooks.batchRows ?? BATCH_ROWS));
    if (!revert) return;
    hooks.onProgress?.(revert);
  }
}

/** Records that a revert gave up (its last try failed): a new request goes on from its last batch. */
export async function failRevert(db: Kysely<DB>, importId: string, message: string): Promise<void> {
  const row = await findImport(db, importId);
  const current = parseRevert(row?.revert ?? null);
  if (!row || !current || row.status === 'reverted') return;
  const failed: RevertResult = { ...current, status: 'failed', finishedAt: new Date().toISOString(), error: message };
  await saveRevert(db, importId, JSON.stringify(failed));
}

// One batch in its transaction: the figures after it, or null when the revert is done (or has nothing to do).
async function revertBatch(trx: Transaction<DB>, importId: string, batchRows: number): Promise<RevertResult | null> {
  const current = await lockForRevert(trx, importId);
  if (!current || !canTransition(current.status, 'reverted')) return null;
  const state = parseRevert(current.revert) ?? newRevert();
  const touches = await findImportTouches(trx, importId, state.rowReached, batchRows);
  if (touches.length === 0) {
    const done: RevertResult = { ...state, status: 'completed', finishedAt: new Date().toISOString(), error: null };
    await markReverted(trx, importId, JSON.stringify(done), {
      flowId: current.flow_id,
      sourceId: current.source_id,
      message: revertedMessage(current.file_name, done),
    });
    return null;
  }

  const leadIds = [...new Set(touches.map((touch) => touch.leadId))];
  await lockLeads(trx, leadIds);
  const work = await touchesToUndo(trx, importId, touches, leadIds);
  const conflicts = work.length > 0 ? await conflictsOf(trx, importId, work) : new Map<string, RevertConflict>();
  const removed: string[] = [];
  const now = new Date().toISOString();
  let restored = 0;
  for (const touch of work) {
    const conflict = conflicts.get(touch.leadId);
    if (conflict) {
      if (state.conflicts.length < CONFLICT_LIST_CAP) state.conflicts.push(conflict);
      state.conflictCount++;
    } else if (touch.created) removed.push(touch.leadId);
    else if (touch.previous !== null) {
      await restoreLeadFields(trx, touch.leadId, touch.previous, now);
      restored++;
    }
  }
  await deleteLeads(trx, removed);
  const next: RevertResult = {
    ...state,
    status: 'running',
    removed: state.removed + removed.length,
    restored: state.restored + restored,
    rowReached: (touches.at(-1) as ImportTouch).rowNumber,
  };
  await saveRevert(trx, importId, JSON.stringify(next));
  return next;
}

/**
 * The rows of a batch that undo something: every lead the import created, and for a lead it updated (and
 * did not create) only its first update, whose `previous` is the lead as it was before the import. A
 * created lead the import later updated is simply deleted.
 */
async function touchesToUndo(
  trx: Transaction<DB>,
  importId: string,
  touches: readonly ImportTouch[],
  leadIds: readonly string[],
): Promise<ImportTouch[]> {
  const origins = await findLeadOrigins(trx, leadIds);
  const updatedLeads = [
    ...new Set(
      touches
        .filter((touch) => !touch.created && origins.has(touch.leadId))
        .filter((touch) => origins.get(touch.leadId)?.importId !== importId)
        .map((touch) => touch.leadId),
    ),
  ];
  const firstRows = await findFirstUpdateRows(trx, importId, updatedLeads);
  return touches.filter((touch) => {
    const origin = origins.get(touch.leadId);
    if (!origin) return false;
    if (touch.created) return true;
    return origin.importId !== importId && firstRows.get(touch.leadId) === touch.rowNumber;
  });
}

/**
 * The leads of the batch changed by something else (another import, a real-time submission) after the
 * import first wrote them. A change at the very same millisecond counts too: leaving a lead as it is can
 * be set right by hand, overwriting someone else's change cannot.
 */
async function conflictsOf(
  trx: Transaction<DB>,
  importId: string,
  work: readonly ImportTouch[],
): Promise<Map<string, RevertConflict>> {
  const since = work.map((touch) => touch.at).sort()[0] ?? '';
  const changes = await findOtherChanges(
    trx,
    importId,
    work.map((touch) => touch.leadId),
    since,
  );
  const byLead = new Map<string, LeadChange[]>();
  for (const change of changes) byLead.set(change.leadId, [...(byLead.get(change.leadId) ?? []), change]);
  const conflicts = new Map<string, RevertConflict>();
  for (const touch of work) {
    const later = byLead.get(touch.leadId)?.find((change) => change.at >= touch.at);
    if (!later) continue;
    const by = later.importId
      ? `import ${later.importId}`
      : `a real-time submission from ${later.sourceId} at ${later.at}`;
    conflicts.set(touch.leadId, {
      leadId: touch.leadId,
      rowNumber: touch.rowNumber,
      reason: `changed after this import by ${by}`,
    });
  }
  return conflicts;
}

// "Import of leads.csv was reverted: 4 leads removed, 1 restored, 1 left as it was changed since."
function revertedMessage(fileName: string, revert: RevertResult): string {
  const left =
    revert.conflictCount === 0
      ? ''
      : `, ${revert.conflictCount} left as ${revert.conflictCount === 1 ? 'it was' : 'they were'} changed since`;
  const leads = revert.removed === 1 ? 'lead' : 'leads';
  return `Import of ${fileName} was reverted: ${revert.removed} ${leads} removed, ${revert.restored} restored${left}.`;
}
