import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { FlowSpec } from '../core/flow-spec.js';
import type { Store } from '../db/database.js';
import { isTransientStorageError } from '../db/transient.js';
import { AppError, isAppError } from '../errors.js';
import { addCustomFields, requireFlow, routableFlows } from '../flows/flow.service.js';
import type { ReadSettings } from '../ingest/tabular.js';
import { JobReleased } from '../jobs/job-runner.js';
import { DryRunLedger } from '../leads/dry-run-ledger.js';
import {
  planBatch,
  storeBatches,
  type BatchContext,
  type BatchPart,
  type BatchPlan,
  type Submission,
  type SubmissionResult,
} from '../leads/lead.service.js';
import { assertImportable, planMapping } from './column-mapping.js';
import { openImportSource, type ImportSource } from './import-source.js';
import { columnHints } from './import.service.js';
import { chosenReadOptions } from './upload.service.js';
import {
  claimImportLease,
  clearImportLease,
  findImport,
  finishImport,
  findRowFixes,
  insertReportRows,
  LeaseLost,
  releaseImport,
  saveProgress,
  saveValidation,
  undoImportWrites,
  type ImportCounts,
  type ImportRow,
  type ValidationState,
} from './import.repository.js';
import { finalState, ENDED_STATES, type ImportState } from './import-state.js';
import { routingFlow, splitByFlow } from '../core/routing.js';
import {
  evaluateBatches,
  evaluateInWorker,
  reopen,
  workerAvailable,
  type EvaluationInput,
  type SubmissionBatch,
} from './submission-batches.js';

/** What runs an import's or a validation's rows: the job, or the CLI through the job. */
export interface RunHooks {
  /** The worker's signal: `shutdown` gives the import back after the current batch; `lease_lost` stops writing. */
  readonly signal?: AbortSignal | undefined;
  /** A stop asked for by the user (the CLI's Ctrl-C): the import ends `cancelled` after the current batch. */
  readonly cancel?: AbortSignal | undefined;
  readonly onProgress?: ((row: ImportProgress) => void) | undefined;
  /** Told each committed batch's rows (the server's Prometheus counters). */
  readonly metrics?: { importedRows(batch: { created: number; updated: number; failed: number }): void } | undefined;
}

export interface ImportProgress extends ImportCounts {
  readonly fractionRead: number;
}

const WORKER_MIN_BYTES = 6 * 1024 * 1024;

// Waits before each retry of a batch that met a transient storage error (a lost PostgreSQL connection,
// SQLITE_BUSY): about 8 s in all for the database to come back before the import gives up.
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** Everything the batch loop needs, worked out from the import row and its file. */
interface Prepared {
  readonly input: EvaluationInput;
  readonly flow: FlowSpec;
  readonly fixes: number;
}

/**
 * Opens the import's file with its stored settings and works out the mapping: on a first run from the
 * user's stored choices and template (adding the custom fields they ask for, unless only validating), on
 * a resumed run (or `mappingStored`: a part of a split import) the mapping stored by the first (the same
 * columns to the same fields, whatever changed).
 */
export async function prepare(
  store: Store,
  config: Config,
  row: ImportRow,
  file: string,
  validate: boolean,
  mappingStored = row.committed_rows > 0,
): Promise<Prepared> {
  const routed = row.route_by_columns === 1;
  const flows = routed ? await routableFlows(store.db, row.source_id) : [];
  const stored = routed ? routingFlow(flows) : await requireFlow(store.db, row.flow_id ?? '');
  const settings = JSON.parse(row.options) as ReadSettings;
  const base = {
    file,
    displayName: row.file_name,
    maxBytes: Number.POSITIVE_INFINITY,
    settings,
    // A detected UTF-8 keeps its Windows-1252 fallback for a late odd byte; a chosen encoding is kept as is.
    encodingChosen: chosenReadOptions(row.options)?.encoding !== undefined,
  };
  const opened = await reopen({
    ...base,
    headers: [],
    targets: [],
    flow: stored,
    hints: {},
    sourceId: '',
    batchSize: 1,
  });
  try {
    let flow = stored;
    let targets = JSON.parse(row.mapping) as (string | null)[];
    if (!mappingStored) {
      const choices = row.mapping_choices
        ? (JSON.parse(row.mapping_choices) as Record<string, string | null>)
        : undefined;
      const plan = await planMapping(store.db, opened, stored, {
        overrides: choices,
        template: row.template_id ?? undefined,
      });
      assertImportable(plan, row.file_name);
      targets = plan.columns.map((column) => column.field);
      flow = plan.flow;
      if (routed && plan.newFields.length > 0)
        throw new AppError('mapping_invalid', `${row.file_name}: a routed import cannot add custom fields (+name)`);
      if (!validate && plan.newFields.length > 0) await addCustomFields(store.db, stored.id, plan.newFields);
      if (!validate)
        await store.db
          .updateTable('imports')
          .set({ mapping: JSON.stringify(targets) })
          .where('id', '=', row.id)
          .execute();
    }
    const fixes = await findRowFixes(store.db, row.id);
    const input: EvaluationInput = {
      ...base,
      settings: opened.settings,
      headers: opened.headers,
      targets,
      flow,
      hints: columnHints(opened, flow, targets),
      sourceId: row.source_id ?? '',
      ...(routed
        ? {
            routing: {
              flows,
              hints: Object.fromEntries(flows.map((each) => [each.id, columnHints(opened, each, targets)])),
              onlySource: row.source_id ?? undefined,
            },
          }
        : {}),
      batchSize: config.batchSize,
      now: Date.parse(row.started_at ?? row.created_at),
      ...(fixes.size > 0 ? { fixes: Object.fromEntries(fixes) } : {}),
    };
    return { input, flow, fixes: fixes.size };
  } finally {
    opened.close();
  }
}

/** The rows of the file after `committedRows`, evaluated in batches (on a worker thread for large files). */
function batchesOf(
  config: Config,
  input: EvaluationInput,
  sizeBytes: number,
): {
  batches: AsyncGenerator<SubmissionBatch>;
  sha256: () => Promise<string | null> | string | null;
} {
  const useWorker = config.importWorker === 'on' || (config.importWorker === 'auto' && sizeBytes >= WORKER_MIN_BYTES);
  if (useWorker && workerAvailable()) return evaluateInWorker(input);
  let opened: Awaited<ReturnType<typeof reopen>> | undefined;
  async function* batches(): AsyncGenerator<SubmissionBatch> {
    opened = await reopen(input);
    try {
      yield* evaluateBatches(opened, input);
    } finally {
      opened.close();
    }
  }
  return { batches: batches(), sha256: () => opened?.sha256() ?? null };
}

/**
 * Runs (or resumes) a queued import: takes its lease, reads its file from the start, skips the rows
 * already committed, and stores the rest in batches, each one transaction with the import's progress and
 * a check of the lease token, so a worker whose lease another took over cannot write. Ends the import
 * completed (or with errors); a file found unreadable part-way is undone and marked failed. Aborting
 * `hooks.signal` with `shutdown` gives the import back after the current batch (JobReleased); the user's
 * cancel (`cancel_requested`, or `hooks.cancel`) ends it `cancelled` keeping what was committed.
 */
export async function executeImport(
  store: Store,
  config: Config,
  importId: string,
  hooks: RunHooks = {},
): Promise<void> {
  const token = randomUUID();
  const claimed = await claimWhenFree(store, config, importId, token);
  if (!claimed) return;
  const startedAt = Date.now();
  let source: ImportSource | undefined;
  const keepAlive = renewing(config, () => claimImportLease(store.db, importId, token, config.jobLeaseMs, true));
  try {
    source = await openImportSource(store.db, claimed);
    const { input, flow } = await prepare(store, config, claimed, source.file, false);
    const destinations = destinationsOf(input, importId);
    let counts = countsOf(claimed);
    const { batches, sha256 } = batchesOf(config, input, claimed.file_size);
    let stop: 'cancel' | 'release' | null = null;
    for await (const { submissions, lastRow, fractionRead } of batches) {
      await nextTurn();
      if (lastRow <= counts.committed_rows) {
        // Re-reading what an earlier run committed (a large file takes a while): a stop asked for meanwhile
        // gives the import back at once, before this run writes anything.
        if (hooks.signal?.aborted) {
          stop = 'release';
          break;
        }
        continue;
      }
      const pending = submissions.filter((submission) => (submission.rowNumber ?? 0) > counts.committed_rows);
      const before = counts;
      const batch = destinations(pending);
      const saved = await commitBatch(store, config, importId, token, batch, lastRow, counts, fractionRead);
      counts = saved.counts;
      hooks.metrics?.importedRows(batchRows(before, counts));
      hooks.onProgress?.({ ...counts, fractionRead });
      if (saved.cancelRequested || hooks.cancel?.aborted) stop = 'cancel';
      else if (hooks.signal?.aborted) stop = 'release';
      if (stop) break;
    }
    void flow;
    if (stop === 'release') {
      await releaseImport(store.db, importId, token);
      throw new JobReleased(String(hooks.signal?.reason ?? 'shutdown'));
    }
    const durationMs = (claimed.duration_ms ?? 0) + Date.now() - startedAt;
    if (stop === 'cancel') {
      const cause = hooks.cancel?.aborted ? String(hooks.cancel.reason) : 'a cancel request';
      await finishImport(store.db, importId, 'cancelled', {
        error: `interrupted by ${cause} at row ${counts.committed_rows}; ${counts.total} rows committed`,
        finishedAt: new Date().toISOString(),
        durationMs,
        fixed: input.fixes ? Object.keys(input.fixes).length : 0,
      });
      return;
    }
    const fileSha = claimed.file_sha256 ?? (await sha256());
    await finishImport(store.db, importId, finalState(counts.failed), {
      sha256: fileSha,
      finishedAt: new Date().toISOString(),
      durationMs,
      fixed: input.fixes ? Object.keys(input.fixes).length : 0,
    });
  } catch (error) {
    if (error instanceof JobReleased || error instanceof LeaseLost) throw error;
    if (hooks.signal?.reason === 'lease_lost') throw new LeaseLost(importId);
    // A worker that lost the import meanwhile (paused past its lease) must not undo what the new one wrote.
    if (!(await holdsImportLease(store, importId, token))) throw new LeaseLost(importId);
    throw await failImport(store, importId, error, startedAt);
  } finally {
    clearInterval(keepAlive);
    source?.release();
  }
}

/** Whether this run still holds the import's lease (unknown, when the database does not answer: assume so). */
async function holdsImportLease(store: Store, importId: string, token: string): Promise<boolean> {
  try {
    return (await findImport(store.db, importId))?.lease_token === token;
  } catch {
    return true;
  }
}

/**
 * Renews a lease every third of its length while a batch may take longer than the lease (a slow database);
 * clearInterval the returned timer when done. A failed renewal is left to the next (or to the lease check).
 */
export function renewing(config: Config, renew: () => Promise<unknown>): NodeJS.Timeout {
  const timer = setInterval(() => void renew().catch(() => {}), config.jobLeaseMs / 3);
  timer.unref();
  return timer;
}

/**
 * Takes the import's lease. A lease about to run out (a dead worker's: the job's lease ran out first) is
 * waited for; one that a live worker keeps renewing is an error, and the job is tried again later.
 * Returns undefined when there is nothing to run (the import ended, or was never started).
 */
export async function claimWhenFree(
  store: Store,
  config: Config,
  importId: string,
  token: string,
): Promise<ImportRow | undefined> {
  for (let tries = 0; ; tries++) {
    const claimed = await claimImportLease(store.db, importId, token, config.jobLeaseMs);
    if (claimed) return claimed;
    const row = await findImport(store.db, importId);
    if (!row || ENDED_STATES.includes(row.status as ImportState) || row.status === 'uploaded') return undefined;
    const wait = Date.parse(row.lease_expires_at ?? '') - Date.now();
    if (tries >= 3 || !(wait < config.jobLeaseMs))
      throw new Error(`import ${importId} is being run by another worker (lease until ${row.lease_expires_at})`);
    await delay(Math.max(0, wait) + 50);
  }
}

/**
 * Stores one batch with its progress row in one transaction (checking the lease token), trying again after
 * a transient storage error. A connection lost during COMMIT leaves unknown whether the batch committed:
 * the progress row tells, so a committed batch is never stored twice.
 */
async function commitBatch(
  store: Store,
  config: Config,
  importId: string,
  token: string,
  batch: DestinedBatch,
  lastRow: number,
  counts: ImportCounts,
  fractionRead: number,
): Promise<{ counts: ImportCounts; cancelRequested: boolean }> {
  return retrying(async (attempt) => {
    const saved = attempt > 0 ? await findImport(store.db, importId) : undefined;
    if (saved && saved.committed_rows >= lastRow)
      return { counts: countsOf(saved), cancelRequested: saved.cancel_requested === 1 };
    let cancelRequested = false;
    // The counts are saved in the batch's transaction but kept only once it committed: a retried
    // transaction (a lost duplicate-key race) must not count its rows twice.
    const plans = await storeBatches(store, batch.parts, async (trx, planned) => {
      const progress = tallied(counts, batch.results(planned), lastRow);
      cancelRequested = await saveProgress(trx, importId, token, progress, fractionRead, config.jobLeaseMs);
    });
    return { counts: tallied(counts, batch.results(plans), lastRow), cancelRequested };
  });
}

/**
 * Validates an uploaded import: the whole pipeline over the whole file, storing no lead, with a would-be
 * outcome for every row (in-file duplicates included) and every failing row in the report. Progress and the
 * final figures are in `imports.validation`. Safe to run again: a new run starts the report afresh.
 */
export async function executeValidation(
  store: Store,
  config: Config,
  importId: string,
  hooks: RunHooks = {},
): Promise<void> {
  const row = await findImport(store.db, importId);
  if (row?.status !== 'uploaded') return;
  const startedAt = new Date().toISOString();
  let state: ValidationState = {
    status: 'running',
    total: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    failed: 0,
    fractionRead: 0,
    startedAt,
    finishedAt: null,
    error: null,
  };
  await saveValidation(store.db, importId, state, true);
  let source: ImportSource | undefined;
  const ledger = await DryRunLedger.open();
  try {
    source = await openImportSource(store.db, row);
    const { input } = await prepare(store, config, row, source.file, true);
    const destinations = destinationsOf(input, null);
    const { batches } = batchesOf(config, input, row.file_size);
    for await (const { submissions, fractionRead } of batches) {
      await nextTurn();
      if (hooks.signal?.aborted) throw new JobReleased(String(hooks.signal.reason));
      const batch = destinations(submissions);
      const plans: BatchPlan[] = [];
      for (const part of batch.parts)
        plans.push(await planBatch(store.db, null, part.context, part.submissions, ledger));
      const plan = { results: batch.results(plans) };
      const failing = submissions.flatMap((submission, index) => {
        const result = plan.results[index] as SubmissionResult;
        if (result.outcome === 'success') return [];
        return [
          {
            import_id: importId,
            row_number: submission.rowNumber ?? 0,
            outcome: result.outcome,
            action: result.action,
            reason: result.reason,
            cells: submission.originalJson ?? '[]',
            duplicate_of: result.duplicateOf?.leadId ?? null,
            duplicate_key: result.duplicateOf?.key ?? null,
          },
        ];
      });
      await insertReportRows(store.db, failing);
      const tally = tallied({ ...state, committed_rows: 0 }, plan.results, 0);
      const { total, created, updated, unchanged, failed, duplicates } = tally;
      state = { ...state, total, created, updated, unchanged, failed, duplicates, fractionRead };
      await saveValidation(store.db, importId, state, false);
      hooks.onProgress?.({ ...tally, fractionRead });
    }
    state = { ...state, status: 'completed', fractionRead: 1, finishedAt: new Date().toISOString() };
    await saveValidation(store.db, importId, state, false, true);
  } catch (error) {
    if (error instanceof JobReleased) throw error;
    const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
    await saveValidation(
      store.db,
      importId,
      { ...state, status: 'failed', error: message, finishedAt: new Date().toISOString() },
      false,
      true,
    );
    throw error;
  } finally {
    await ledger.close();
    source?.release();
  }
}

/** A batch's rows split by where they are stored, and how to put the parts' results back in row order. */
interface DestinedBatch {
  readonly parts: readonly BatchPart[];
  results(plans: readonly BatchPlan[]): SubmissionResult[];
}

/**
 * Where a batch's rows are stored: all in the import's flow and source, or, for a routed import, each in
 * the flow and source it names (a part per flow; a row refused for naming an unknown flow is recorded
 * under the flow it named, which has no duplicate policy to apply).
 */
function destinationsOf(
  input: EvaluationInput,
  importId: string | null,
): (submissions: readonly Submission[]) => DestinedBatch {
  const routing = input.routing;
  if (!routing) {
    const context: BatchContext = { flow: { spec: input.flow }, sourceId: input.sourceId, importId };
    return (submissions) => ({ parts: [{ context, submissions }], results: (plans) => plans[0]?.results ?? [] });
  }
  const contexts = new Map<string, BatchContext>(
    routing.flows.map((flow) => [flow.id, { flow: { spec: flow }, sourceId: '', importId }]),
  );
  const contextOf = (flowId: string): BatchContext =>
    contexts.get(flowId) ?? {
      flow: {
        spec: { id: flowId, name: flowId, defaultPhoneRegion: input.flow.defaultPhoneRegion, fields: [], sources: [] },
      },
      sourceId: '',
      importId,
    };
  const keepFileOrder = routing.flows.some((flow) => flow.duplicates?.scope === 'account');
  return (submissions) => {
    const groups = splitByFlow(
      submissions.map((submission) => submission.flowId ?? ''),
      keepFileOrder,
    );
    const parts = groups.map((indexes) => ({
      context: contextOf(submissions[indexes[0] as number]?.flowId ?? ''),
      submissions: indexes.map((index) => submissions[index] as Submission),
    }));
    return {
      parts,
      results(plans) {
        const results: SubmissionResult[] = new Array(submissions.length);
        groups.forEach((indexes, part) => {
          const planned = plans[part]?.results ?? [];
          indexes.forEach((index, position) => {
            results[index] = planned[position] as SubmissionResult;
          });
        });
        return results;
      },
    };
  };
}

/** Runs an operation, again after each transient storage error, waiting RETRY_DELAYS_MS between tries. */
export async function retrying<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const wait = RETRY_DELAYS_MS[attempt];
      if (wait === undefined || !isTransientStorageError(error)) throw error;
      await delay(wait);
    }
  }
}

function countsOf(row: ImportRow): ImportCounts {
  const { total, created, updated, unchanged, failed, duplicates, committed_rows } = row;
  return { total, created, updated, unchanged, failed, duplicates, committed_rows };
}

/** A batch's rows by outcome: the counts after it less the counts before. */
function batchRows(before: ImportCounts, after: ImportCounts) {
  return {
    created: after.created - before.created,
    updated: after.updated - before.updated,
    failed: after.failed - before.failed,
  };
}

/** The counts after a batch's results. */
export function tallied(counts: ImportCounts, results: readonly SubmissionResult[], lastRow: number): ImportCounts {
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  let failed = 0;
  let duplicates = 0;
  for (const result of results) {
    if (result.action === 'created') created++;
    else if (result.action === 'updated' || result.action === 'merged') updated++;
    else failed++;
    // A subset of updated: total = created + updated + failed stays true.
    if (result.unchanged) unchanged++;
    if (result.duplicate) duplicates++;
  }
  return {
    total: counts.total + results.length,
    created: counts.created + created,
    updated: counts.updated + updated,
    unchanged: counts.unchanged + unchanged,
    failed: counts.failed + failed,
    duplicates: counts.duplicates + duplicates,
    committed_rows: lastRow,
  };
}

/**
 * Undoes a failed import and marks it failed (retried while the database is away), then returns the error
 * to throw: the original, or for a lost database a one-line storage_unavailable error saying what became
 * of the import (no stack trace to a user for an outage).
 */
export async function failImport(store: Store, importId: string, error: unknown, startedAt: number): Promise<unknown> {
  const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
  let marked = true;
  try {
    await retrying(async () => {
      await store.db.transaction().execute((trx) => undoImportWrites(trx, importId, true));
      await finishImport(store.db, importId, 'failed', {
        error: message,
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - startedAt,
      });
    });
  } catch (markError) {
    if (!isTransientStorageError(markError)) throw markError;
    marked = false;
    await clearImportLease(store.db, importId).catch(() => {});
  }
  return failureToThrow(importId, error, message, marked);
}

/**
 * What a failed import's job throws: its error, or for a lost database a one-line storage_unavailable error
 * saying what became of the import (`marked`: failed and undone; else left processing).
 */
export function failureToThrow(importId: string, error: unknown, message: string, marked: boolean): unknown {
  if (!isTransientStorageError(error)) return error;
  const outcome = marked
    ? `import ${importId} is marked failed and what it stored is removed`
    : `import ${importId} is left processing: the database did not answer to mark it failed`;
  return new AppError(
    'storage_unavailable',
    `the database connection was lost and did not come back (${message.split('\n')[0]}); ${outcome}`,
  );
}
