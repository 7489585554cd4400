import type { Config } from '../config.js';
import { inferDayFirst } from '../core/column-hints.js';
import type { FlowSpec } from '../core/flow-spec.js';
import { newId } from '../core/ids.js';
import type { ColumnMapping } from '../core/mapping.js';
import type { FieldHints } from '../core/pipeline.js';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../db/database.js';
import { isTransientStorageError } from '../db/transient.js';
import { AppError, isAppError } from '../errors.js';
import { addCustomFields, requireFlow, requireSource } from '../flows/flow.service.js';
import type { ReadOverrides } from '../ingest/open-file.js';
import type { TabularFile } from '../ingest/tabular.js';
import { DryRunLedger } from '../leads/dry-run-ledger.js';
import { planBatch, storeBatch, type BatchContext, type SubmissionResult } from '../leads/lead.service.js';
import { assertImportable, planMapping } from './column-mapping.js';
import { openForFlow } from './sheet-choice.js';
import {
  compileInputFlow,
  evaluateBatches,
  evaluateInWorker,
  workerAvailable,
  type EvaluationInput,
  type SubmissionBatch,
} from './submission-batches.js';
import { finalState, type ImportState } from './import-state.js';
import {
  findImport,
  finishImport,
  insertImport,
  newImportRow,
  saveProgress,
  undoImportWrites,
  type ImportCounts,
  type ImportRow,
} from './import.repository.js';

export interface ImportRequest {
  readonly file: string;
  /** The name shown in messages and history (an upload's original name). */
  readonly displayName?: string;
  readonly flowId: string;
  readonly sourceId: string;
  readonly dryRun?: boolean;
  readonly read?: ReadOverrides;
  /** Header -> field (or null to skip) choices that override the suggested mapping. */
  readonly mapping?: Readonly<Record<string, string | null>>;
  /** A saved template (id or name) to map with; one matching the headers is used when omitted. */
  readonly template?: string;
  readonly startedBy?: string;
  readonly onProgress?: (progress: ImportProgress) => void;
  /**
   * Aborting stops the import between batches: what is committed stays, the import becomes `cancelled` and
   * runImport throws ImportInterrupted. The abort reason (a string: "SIGTERM") names the cause.
   */
  readonly signal?: AbortSignal;
  /**
   * Told each committed batch's rows (the server's Prometheus counters, src/metrics.ts); imports run where
   * nothing is scraped (the CLI) pass none. Dry runs commit nothing and report nothing.
   */
  readonly metrics?: { importedRows(batch: ImportedRows): void };
}

/** One committed batch's rows by outcome. */
export interface ImportedRows {
  readonly created: number;
  readonly updated: number;
  readonly failed: number;
}

export interface ImportProgress extends ImportCounts {
  readonly fractionRead: number;
}

/** The CLI/API import summary (a public contract, README). */
export interface ImportSummary {
  importId: string;
  status: ImportState;
  total: number;
  created: number;
  updated: number;
  failed: number;
  duplicates: number;
  durationMs: number;
}

const WORKER_MIN_BYTES = 6 * 1024 * 1024;

// Waits before each retry of a batch that met a transient storage error (a lost PostgreSQL connection,
// SQLITE_BUSY): about 8 s in all for the database to come back before the import gives up.
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** Thrown by runImport when its signal stopped it; the message says where and what was kept. */
export class ImportInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInterrupted';
  }
}

/**
 * Imports a lead file: every row runs through the same pipeline as a real-time submission, in batches of
 * `config.batchSize` rows, each batch one transaction that also records the import's progress. A file that
 * turns out to be unreadable part-way is undone (created leads removed, updated leads restored) and the
 * import marked failed, so nothing stored before is changed by it. A batch that meets a transient storage
 * error is tried again a few times; if the database stays away the import is undone and marked failed
 * once it answers, and a one-line storage_unavailable error is thrown. Aborting `request.signal` stops
 * after the batch in progress (see ImportRequest.signal).
 */
export async function runImport(store: Store, config: Config, request: ImportRequest): Promise<ImportSummary> {
  const startedAt = Date.now();
  const stored = await requireFlow(store.db, request.flowId);
  requireSource(stored, request.sourceId);
  const file = await openForFlow(
    request.file,
    {
      maxBytes: config.maxUploadBytes,
      ...request.read,
      ...(request.displayName ? { displayName: request.displayName } : {}),
    },
    stored,
  );
  const dryRun = request.dryRun === true;
  let mapping: ColumnMapping[];
  // The flow as this import sees it: with the custom fields its mapping creates ("Column=+name").
  let flow: FlowSpec;
  try {
    const plan = await planMapping(store.db, file, stored, { overrides: request.mapping, template: request.template });
    assertImportable(plan, file.fileName);
    mapping = plan.columns;
    flow = plan.flow;
    if (!dryRun && plan.newFields.length > 0) await addCustomFields(store.db, stored.id, plan.newFields);
  } catch (error) {
    file.close();
    throw error;
  }
  const importId = newId();
  if (!dryRun) {
    const now = new Date().toISOString();
    await insertImport(
      store.db,
      newImportRow({
        id: importId,
        flow_id: flow.id,
        source_id: request.sourceId,
        file_name: file.fileName,
        file_size: file.sizeBytes,
        format: file.settings.format,
        options: JSON.stringify(file.settings),
        columns: JSON.stringify(file.headers),
        mapping: JSON.stringify(mapping.map((column) => column.field)),
        status: 'processing',
        started_by: request.startedBy ?? null,
        created_at: now,
        started_at: now,
      }),
    );
  }
  const hints = columnHints(file, flow, mapping);
  let counts: ImportCounts = { total: 0, created: 0, updated: 0, failed: 0, duplicates: 0, committed_rows: 0 };
  const dryRunLedger = dryRun ? await DryRunLedger.open() : null;
  const input: EvaluationInput = {
    file: request.file,
    displayName: file.fileName,
    maxBytes: config.maxUploadBytes,
    settings: file.settings,
    headers: file.headers,
    targets: mapping.map((column) => column.field),
    flow,
    hints,
    sourceId: request.sourceId,
    batchSize: config.batchSize,
    encodingChosen: request.read?.encoding !== undefined,
    now: startedAt,
  };
  // Compiled once on this thread (and once more in the worker, which has its own heap).
  const context: BatchContext = {
    flow: compileInputFlow(input),
    sourceId: request.sourceId,
    importId: dryRun ? null : importId,
  };
  // A worker thread takes ~0.5 s to start and saves ~20%: worth it from files of several MB. It needs the
  // compiled worker script, which the TypeScript test runner does not have.
  const useWorker =
    config.importWorker === 'on' || (config.importWorker === 'auto' && file.sizeBytes >= WORKER_MIN_BYTES);
  let sha256: () => string | null = () => file.sha256();
  let batches: AsyncGenerator<SubmissionBatch>;
  if (useWorker && workerAvailable()) {
    file.close();
    const evaluation = evaluateInWorker(input);
    batches = evaluation.batches;
    sha256 = evaluation.sha256;
  } else {
    batches = evaluateBatches(file, input, context.flow);
  }

  let interrupted = false;
  try {
    for await (const { submissions, lastRow, fractionRead } of batches) {
      // Batches can follow each other in microtasks only (SQLite answers synchronously, the worker runs
      // ahead), which starves the event loop: signals, timers, and in `serve` every request, would wait
      // for the whole file. One turn of the loop per batch lets them in.
      await nextTurn();
      // Checked before each batch, so a stop request waits for at most the batch being written.
      if (request.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (dryRunLedger) {
        const plan = await planBatch(store.db, null, context, submissions, dryRunLedger);
        counts = tallied(counts, plan.results, lastRow);
      } else {
        const before = counts;
        counts = await commitBatch(store, importId, context, submissions, lastRow, counts);
        request.metrics?.importedRows(batchRows(before, counts));
      }
      request.onProgress?.({ ...counts, fractionRead });
    }
  } catch (error) {
    throw await failImport(store, dryRun ? null : importId, error, startedAt);
  } finally {
    await dryRunLedger?.close();
  }
  if (interrupted)
    throw await interruptImport(store, dryRun ? null : importId, String(request.signal?.reason), counts, startedAt);
  const status = finalState(counts.failed);
  const durationMs = Date.now() - startedAt;
  if (!dryRun) {
    await finishImport(store.db, importId, status, {
      sha256: sha256(),
      finishedAt: new Date().toISOString(),
      durationMs,
    });
  }
  const { total, created, updated, failed, duplicates } = counts;
  return { importId, status, total, created, updated, failed, duplicates, durationMs };
}

/**
 * Stores one batch with its progress row in one transaction, trying again after a transient storage error.
 * A connection lost during COMMIT leaves unknown whether the batch committed: the progress row tells, so
 * a committed batch is never stored twice.
 */
async function commitBatch(
  store: Store,
  importId: string,
  context: BatchContext,
  submissions: SubmissionBatch['submissions'],
  lastRow: number,
  counts: ImportCounts,
): Promise<ImportCounts> {
  return retrying(async (attempt) => {
    const saved = attempt > 0 ? await findImport(store.db, importId) : undefined;
    if (saved && saved.committed_rows >= lastRow) return countsOf(saved);
    // The counts are saved in the batch's transaction but kept only once it committed: a retried
    // transaction (a lost duplicate-key race) must not count its rows twice.
    const plan = await storeBatch(store, context, submissions, (trx, planned) =>
      saveProgress(trx, importId, tallied(counts, planned.results, lastRow)),
    );
    return tallied(counts, plan.results, lastRow);
  });
}

/** Runs an operation, again after each transient storage error, waiting RETRY_DELAYS_MS between tries. */
async function retrying<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
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
  const { total, created, updated, failed, duplicates, committed_rows } = row;
  return { total, created, updated, failed, duplicates, committed_rows };
}

/** A batch's rows by outcome: the counts after it less the counts before. */
function batchRows(before: ImportCounts, after: ImportCounts): ImportedRows {
  return {
    created: after.created - before.created,
    updated: after.updated - before.updated,
    failed: after.failed - before.failed,
  };
}

/** The import's counts after a batch's results. */
function tallied(counts: ImportCounts, results: readonly SubmissionResult[], lastRow: number): ImportCounts {
  let created = 0;
  let updated = 0;
  let failed = 0;
  let duplicates = 0;
  for (const result of results) {
    if (result.action === 'created') created++;
    else if (result.action === 'updated' || result.action === 'merged') updated++;
    else failed++;
    if (result.duplicate) duplicates++;
  }
  return {
    total: counts.total + results.length,
    created: counts.created + created,
    updated: counts.updated + updated,
    failed: counts.failed + failed,
    duplicates: counts.duplicates + duplicates,
    committed_rows: lastRow,
  };
}

/** Hints a whole column gives about its values: day-first dates, proven by the file's first rows. */
export function columnHints(
  file: TabularFile,
  flow: FlowSpec,
  mapping: readonly ColumnMapping[],
): Record<string, FieldHints> {
  const hints: Record<string, FieldHints> = Object.create(null);
  for (const column of mapping) {
    const field = flow.fields.find((candidate) => candidate.name === column.field);
    if (field?.type !== 'date') continue;
    if (inferDayFirst(file.sample.map((record) => record.cells[column.index] ?? '')))
      hints[field.name] = { dayFirst: true };
  }
  return hints;
}

/**
 * Undoes a failed import and marks it failed (retried while the database is away), then returns the error
 * to throw: the original, or for a lost database a one-line storage_unavailable error saying what became
 * of the import (no stack trace to a user for an outage).
 */
async function failImport(store: Store, importId: string | null, error: unknown, startedAt: number): Promise<unknown> {
  const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
  let marked = true;
  if (importId) {
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
    }
  }
  if (!isTransientStorageError(error)) return error;
  const outcome = !importId
    ? 'nothing was stored'
    : marked
      ? `import ${importId} is marked failed and what it stored is removed`
      : `import ${importId} is left processing: the database did not answer to mark it failed`;
  return new AppError(
    'storage_unavailable',
    `the database connection was lost and did not come back (${message.split('\n')[0]}); ${outcome}`,
  );
}

/** Marks an import stopped by its signal `cancelled`, keeping its committed batches; returns the error to throw. */
async function interruptImport(
  store: Store,
  importId: string | null,
  cause: string,
  counts: ImportCounts,
  startedAt: number,
): Promise<ImportInterrupted> {
  const where = `interrupted by ${cause} at row ${counts.committed_rows}; ${counts.total} rows committed`;
  if (!importId) return new ImportInterrupted(`dry run ${where.replace('committed', 'checked')}`);
  await finishImport(store.db, importId, 'cancelled', {
    error: where,
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
  });
  return new ImportInterrupted(`import ${importId} ${where}; it is marked cancelled`);
}
