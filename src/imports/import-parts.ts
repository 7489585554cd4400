import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config.js';
import { partitionable, rowPartition } from '../core/partition.js';
import type { Store } from '../db/database.js';
import { isTransientStorageError } from '../db/transient.js';
import { isAppError } from '../errors.js';
import { requireFlow } from '../flows/flow.service.js';
import type { RawRecord, TabularFile } from '../ingest/tabular.js';
import { JobReleased, type JobRunner } from '../jobs/job-runner.js';
import { storeBatches, type BatchContext, type Submission } from '../leads/lead.service.js';
import {
  claimWhenFree,
  executeImport,
  failImport,
  failureToThrow,
  prepare,
  renewing,
  retrying,
  tallied,
  type RunHooks,
} from './import-run.js';
import { openImportSource, type ImportSource } from './import-source.js';
import { finalState } from './import-state.js';
import {
  claimImportLease,
  findImport,
  finishImport,
  LeaseLost,
  NO_COUNTS,
  releaseImport,
  undoImportWrites,
  type ImportCounts,
} from './import.repository.js';
import {
  claimPartLease,
  endPart,
  ENDED_PART_STATES,
  findPart,
  findParts,
  holdsPart,
  ImportStopped,
  lockImport,
  partsLeft,
  releasePart,
  abandonPart,
  savePartProgress,
  splitIntoParts,
  type ImportPartRow,
  type PartLease,
  type PartStatus,
} from './import-part.repository.js';
import { evaluateBatches, reopen, type EvaluationInput, type SubmissionBatch } from './submission-batches.js';

/** The payload of an `import-part` job. */
export interface ImportPartJobPayload {
  readonly importId: string;
  readonly part: number;
}

/**
 * The import job: runs a queued import as one (executeImport), or, with LEADPORT_IMPORT_PARTS above 1 and
 * an import that can be split exactly (see splittable), splits it into parts by duplicate key and queues an
 * `import-part` job for each, which any worker may run. An import split before (this job runs again after
 * a crash) only has its unfinished parts queued again, whatever LEADPORT_IMPORT_PARTS says now.
 */
export async function executeImportInParts(
  store: Store,
  config: Config,
  jobs: Pick<JobRunner, 'enqueue'>,
  importId: string,
  hooks: RunHooks = {},
): Promise<void> {
  let parts = await findParts(store.db, importId);
  if (parts.length === 0 && config.importParts > 1 && (await splittable(store, importId)))
    parts = await splitImport(store, config, importId, hooks);
  if (parts.length === 0) return executeImport(store, config, importId, hooks);
  for (const { part, status } of parts)
    if (!ENDED_PART_STATES.includes(status as PartStatus)) {
      const payload: ImportPartJobPayload = { importId, part };
      await jobs.enqueue('import-part', payload, { key: `import-part:${importId}:${part}`, maxAttempts: 5 });
    }
}

/**
 * Whether an import can run in parts with results identical to one worker's: a queued (or abandoned) import
 * that committed nothing yet (one that did resumes as one), whose rows all go to one flow (a routed
 * import's rows go to several, each with its own keys), with at most one duplicate key a row
 * (core/partition.ts partitionable).
 */
async function splittable(store: Store, importId: string): Promise<boolean> {
  const row = await findImport(store.db, importId);
  if (!row || !['queued', 'processing'].includes(row.status)) return false;
  if (row.route_by_columns === 1 || row.committed_rows > 0 || !row.flow_id) return false;
  // A flow that cannot be read leaves the import to executeImport, which fails it with the reason.
  const flow = await requireFlow(store.db, row.flow_id).catch(() => undefined);
  return flow !== undefined && partitionable(flow);
}

/**
 * Takes the import's lease, fixes its mapping (adding the custom fields it asks for) so that every part
 * evaluates alike, then in one transaction hands the lease to the parts and adds their rows. Returns the
 * parts, or none when the import is not this job's to split (it ended, or another worker committed rows
 * meanwhile: it then runs as one). A mapping that cannot import fails the import, as executeImport does.
 */
async function splitImport(store: Store, config: Config, importId: string, hooks: RunHooks): Promise<ImportPartRow[]> {
  const token = randomUUID();
  const claimed = await claimWhenFree(store, config, importId, token);
  if (!claimed) return [];
  if (claimed.committed_rows > 0) {
    await releaseImport(store.db, importId, token);
    return [];
  }
  const startedAt = Date.now();
  const keepAlive = renewing(config, () => claimImportLease(store.db, importId, token, config.jobLeaseMs, true));
  let source: ImportSource | undefined;
  try {
    source = await openImportSource(store.db, claimed);
    await prepare(store, config, claimed, source.file, false);
    await store.db.transaction().execute((trx) => splitIntoParts(trx, importId, token, config.importParts));
  } catch (error) {
    if (error instanceof LeaseLost) throw error;
    if (hooks.signal?.reason === 'lease_lost') throw new LeaseLost(importId);
    throw await failImport(store, importId, error, startedAt);
  } finally {
    clearInterval(keepAlive);
    source?.release();
  }
  return findParts(store.db, importId);
}

/**
 * Runs (or resumes) one part of a split import: takes the part's lease, reads the whole file, evaluates
 * and stores only the part's rows (those whose duplicate key hashes to it, core/partition.ts) after the
 * part's committed rows, in file order, in batches that each commit with the part's progress (checking
 * the part's lease token, so a worker whose lease another took over cannot write) and add their counts to
 * the import's. The part that ends last ends the import. Aborting `hooks.signal` with `shutdown` gives
 * the part back after the current batch (JobReleased); a cancel request stops every part after its
 * current batch and the import ends `cancelled`; a file found unreadable undoes the whole import and
 * fails it, and the other parts stop at their next batch.
 */
export async function executeImportPart(
  store: Store,
  config: Config,
  importId: string,
  part: number,
  hooks: Pick<RunHooks, 'signal' | 'metrics'> = {},
): Promise<void> {
  const lease: PartLease = { importId, part, token: randomUUID() };
  const claimed = await claimPartWhenFree(store, config, lease);
  if (!claimed) return;
  // A timer keeps the lease while a batch takes longer than a third of it (a slow database).
  const keepAlive = renewing(config, () => claimPartLease(store.db, lease, config.jobLeaseMs, true));
  let source: ImportSource | undefined;
  try {
    const row = await findImport(store.db, importId);
    if (row?.status !== 'processing') return await stopPart(store, lease);
    if (row.cancel_requested === 1) return await endPartAndImport(store, lease, 'cancelled', {});
    source = await openImportSource(store.db, row);
    const { input } = await prepare(store, config, row, source.file, false, true);
    const context: BatchContext = { flow: { spec: input.flow }, sourceId: input.sourceId, importId };
    const reading = partBatches(input, claimed);
    let committed = claimed.committed_rows;
    let stop: 'cancel' | 'release' | null = null;
    for await (const { submissions, lastRow, fractionRead } of reading.batches) {
      await nextTurn();
      const saved = await commitPartBatch(store, config, lease, context, submissions, lastRow, fractionRead);
      committed = lastRow;
      if (saved.batch) hooks.metrics?.importedRows(saved.batch);
      if (saved.cancelRequested) stop = 'cancel';
      else if (hooks.signal?.aborted) stop = 'release';
      if (stop) break;
    }
    if (stop === 'release') {
      await releasePart(store.db, lease);
      throw new JobReleased(`${String(hooks.signal?.reason ?? 'shutdown')} (part ${part} after row ${committed})`);
    }
    const fixed = input.fixes ? Object.keys(input.fixes).length : 0;
    if (stop === 'cancel') return await endPartAndImport(store, lease, 'cancelled', { fixed });
    await endPartAndImport(store, lease, 'done', { fixed, sha256: reading.sha256() });
  } catch (error) {
    if (error instanceof JobReleased || error instanceof LeaseLost) throw error;
    if (hooks.signal?.reason === 'lease_lost') throw new LeaseLost(`${importId} (part ${part})`);
    if (error instanceof ImportStopped) return await stopPart(store, lease);
    throw await failSplitImport(store, lease, error);
  } finally {
    clearInterval(keepAlive);
    source?.release();
  }
}

/**
 * Takes the part's lease, waiting for one about to run out (a dead worker's); one a live worker keeps
 * renewing is an error, and the job is tried again later. Undefined when the part has ended.
 */
async function claimPartWhenFree(store: Store, config: Config, lease: PartLease): Promise<ImportPartRow | undefined> {
  for (let tries = 0; ; tries++) {
    const claimed = await claimPartLease(store.db, lease, config.jobLeaseMs);
    if (claimed) return claimed;
    const row = await findPart(store.db, lease.importId, lease.part);
    if (!row || ENDED_PART_STATES.includes(row.status as PartStatus)) return undefined;
    const wait = Date.parse(row.lease_expires_at ?? '') - Date.now();
    if (tries >= 3 || !(wait < config.jobLeaseMs))
      throw new Error(
        `import ${lease.importId} part ${lease.part} is being run by another worker (lease until ${row.lease_expires_at})`,
      );
    await delay(Math.max(0, wait) + 50);
  }
}

/**
 * The part's rows after its committed ones, evaluated in batches on this thread. Records of other parts
 * are dropped before evaluation: only their key fields are normalised (to find their part), which costs
 * a fraction of evaluating them. A row fixed inline goes by its fixed cells, as it is evaluated.
 */
function partBatches(
  input: EvaluationInput,
  part: ImportPartRow,
): { batches: AsyncGenerator<SubmissionBatch>; sha256: () => string | null } {
  const partOf = rowPartition({
    flow: input.flow,
    targets: input.targets,
    hints: input.hints,
    now: input.now === undefined ? undefined : new Date(input.now),
    parts: part.parts,
  });
  const fixes = input.fixes;
  const after = part.committed_rows;
  const mine = (record: RawRecord) =>
    record.recordNumber > after &&
    partOf(fixes?.[record.recordNumber] ?? record.cells, record.recordNumber) === part.part;
  let opened: TabularFile | undefined;
  async function* batches(): AsyncGenerator<SubmissionBatch> {
    opened = await reopen(input);
    try {
      yield* evaluateBatches(onlyRecords(opened, mine), input);
    } finally {
      opened.close();
    }
  }
  return { batches: batches(), sha256: () => opened?.sha256() ?? null };
}

/** The file with only the records `keep` accepts (the reading, its progress and its checksum unchanged). */
function onlyRecords(file: TabularFile, keep: (record: RawRecord) => boolean): TabularFile {
  return {
    ...file,
    async *records() {
      for await (const records of file.records()) {
        const kept = records.filter(keep);
        if (kept.length > 0) yield kept;
      }
    },
    sha256: () => file.sha256(),
    fractionRead: () => file.fractionRead(),
    close: () => file.close(),
  };
}

/**
 * Stores one batch of a part with the part's progress in one transaction (checking its lease token),
 * trying again after a transient storage error; the part's progress row tells whether a COMMIT whose
 * answer was lost got through, so a batch is never stored twice. Returns the batch's counts (null when an
 * earlier try committed it) and whether the import is to be cancelled.
 */
async function commitPartBatch(
  store: Store,
  config: Config,
  lease: PartLease,
  context: BatchContext,
  submissions: readonly Submission[],
  lastRow: number,
  fractionRead: number,
): Promise<{ batch: ImportCounts | null; cancelRequested: boolean }> {
  return retrying(async (attempt) => {
    if (attempt > 0) {
      const saved = await findPart(store.db, lease.importId, lease.part);
      if (saved && saved.lease_token === lease.token && saved.committed_rows >= lastRow) {
        const row = await findImport(store.db, lease.importId);
        return { batch: null, cancelRequested: row?.cancel_requested === 1 };
      }
    }
    let cancelRequested = false;
    // The counts are saved in the batch's transaction but kept only once it committed: a retried
    // transaction (a lost duplicate-key race) must not count its rows twice.
    const [plan] = await storeBatches(store, [{ context, submissions }], async (trx, plans) => {
      const batch = tallied(NO_COUNTS, plans[0]?.results ?? [], lastRow);
      cancelRequested = await savePartProgress(trx, lease, batch, fractionRead, config.jobLeaseMs);
    });
    return { batch: tallied(NO_COUNTS, plan?.results ?? [], lastRow), cancelRequested };
  });
}

/**
 * Ends the part (done, or cancelled) and, in the same transaction, the import when no part is left to
 * run: `cancelled` when a cancel request stopped a part, else completed (with errors). The import row is
 * locked first on PostgreSQL, so of parts ending at once the last sees the others ended.
 */
async function endPartAndImport(
  store: Store,
  lease: PartLease,
  status: 'done' | 'cancelled',
  finish: { fixed?: number; sha256?: string | null },
): Promise<void> {
  await retrying(async (attempt) => {
    if (attempt > 0) {
      const saved = await findPart(store.db, lease.importId, lease.part);
      if (saved && ENDED_PART_STATES.includes(saved.status as PartStatus)) return;
    }
    await store.db.transaction().execute(async (trx) => {
      await endPart(trx, lease, status);
      const row = await lockImport(trx, lease.importId);
      if (row?.status !== 'processing') return;
      const left = await partsLeft(trx, lease.importId);
      if (left.open > 0) return;
      const ended = {
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - Date.parse(row.started_at ?? row.created_at),
        ...(finish.fixed !== undefined ? { fixed: finish.fixed } : {}),
      };
      if (left.cancelled > 0)
        await finishImport(trx, lease.importId, 'cancelled', {
          ...ended,
          error: `interrupted by a cancel request; ${row.total} rows committed`,
        });
      else
        await finishImport(trx, lease.importId, finalState(row.failed), {
          ...ended,
          sha256: row.file_sha256 ?? finish.sha256 ?? null,
        });
    });
  });
}

/** Ends a part whose import ended without it (another part failed it). */
async function stopPart(store: Store, lease: PartLease): Promise<void> {
  await store.db.transaction().execute((trx) => endPart(trx, lease, 'stopped'));
}

/**
 * Fails a split import as a whole (its file is unreadable, or the database stayed away): marks it failed
 * and undoes every part's writes in one transaction, ending the failing part. Marking it locks the import
 * row, which every part's batch updates before it commits: a batch commits before (and is undone) or finds
 * the import failed and rolls back, and its part stops. Only a worker that still holds its part may fail
 * the import: a stale one's error (its session ended while it was paused) is LeaseLost, and the import
 * goes on. Returns the error to throw, as failImport does; when the database does not answer, the part is
 * given back for the job's next try.
 */
async function failSplitImport(store: Store, lease: PartLease, error: unknown): Promise<unknown> {
  const { importId } = lease;
  const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
  let marked = true;
  try {
    await retrying(() =>
      store.db.transaction().execute(async (trx) => {
        if (!(await holdsPart(trx, lease))) throw new LeaseLost(`${importId} (part ${lease.part})`);
        const row = await lockImport(trx, importId);
        if (row?.status === 'processing') {
          await finishImport(trx, importId, 'failed', {
            error: message,
            finishedAt: new Date().toISOString(),
            durationMs: Date.now() - Date.parse(row.started_at ?? row.created_at),
          });
          await undoImportWrites(trx, importId, true);
        }
        await abandonPart(trx, lease);
      }),
    );
  } catch (markError) {
    if (!isTransientStorageError(markError)) throw markError;
    marked = false;
    await releasePart(store.db, lease).catch(() => {});
  }
  return failureToThrow(importId, error, message, marked);
}
