import type { Config } from '../config.js';
import { inferDayFirst } from '../core/column-hints.js';
import type { FlowSpec } from '../core/flow-spec.js';
import { newId } from '../core/ids.js';
import type { ColumnMapping } from '../core/mapping.js';
import { compileFlow, type FieldHints } from '../core/pipeline.js';
import type { Store } from '../db/database.js';
import { isAppError } from '../errors.js';
import { requireFlow, requireSource } from '../flows/flow.service.js';
import { openTabularFile, type ReadOverrides } from '../ingest/open-file.js';
import type { TabularFile } from '../ingest/tabular.js';
import { DryRunLedger } from '../leads/dry-run-ledger.js';
import { planBatch, storeBatch, type BatchContext, type SubmissionResult } from '../leads/lead.service.js';
import { assertImportable, planMapping } from './column-mapping.js';
import { evaluateBatches, evaluateInWorker, workerAvailable, type EvaluationInput, type SubmissionBatch } from './submission-batches.js';
import { finalState, type ImportState } from './import-state.js';
import { finishImport, insertImport, saveProgress, undoImportWrites, type ImportCounts } from './import.repository.js';

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
}

export interface ImportProgress extends ImportCounts {
  readonly fractionRead: number;
}

/** The CLI/API import summary (DESIGN.md contracts). */
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

/**
 * Imports a lead file: every row runs through the same pipeline as a real-time submission, in batches of
 * `config.batchSize` rows, each batch one transaction that also records the import's progress. A file that
 * turns out to be unreadable part-way is undone (created leads removed, updated leads restored) and the
 * import marked failed, so nothing stored before is changed by it.
 */
export async function runImport(store: Store, config: Config, request: ImportRequest): Promise<ImportSummary> {
  const startedAt = Date.now();
  const flow = await requireFlow(store, request.flowId);
  requireSource(flow, request.sourceId);
  const file = await openTabularFile(request.file, {
    maxBytes: config.maxUploadBytes,
    ...request.read,
    ...(request.displayName ? { displayName: request.displayName } : {}),
  });
  let mapping: ColumnMapping[];
  try {
    const plan = await planMapping(store, file, flow, { overrides: request.mapping, template: request.template });
    assertImportable(plan, file.fileName);
    mapping = plan.columns;
  } catch (error) {
    file.close();
    throw error;
  }
  const importId = newId();
  const dryRun = request.dryRun === true;
  if (!dryRun) {
    const now = new Date().toISOString();
    await insertImport(store.db, {
      id: importId,
      flow_id: flow.id,
      source_id: request.sourceId,
      file_name: file.fileName,
      file_sha256: null,
      file_size: file.sizeBytes,
      format: file.settings.format,
      options: JSON.stringify(file.settings),
      columns: JSON.stringify(file.headers),
      mapping: JSON.stringify(mapping.map((column) => column.field)),
      status: 'processing',
      total: 0,
      created: 0,
      updated: 0,
      failed: 0,
      duplicates: 0,
      committed_rows: 0,
      error: null,
      started_by: request.startedBy ?? null,
      created_at: now,
      started_at: now,
      finished_at: null,
      duration_ms: null,
    });
  }
  const hints = columnHints(file, flow, mapping);
  const context: BatchContext = { flow: compileFlow(flow, hints), sourceId: request.sourceId, importId: dryRun ? null : importId };
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
  };
  // A worker thread takes ~0.5 s to start and saves ~20%: worth it from files of several MB. It needs the
  // compiled worker script, which the TypeScript test runner does not have.
  const useWorker = config.importWorker === 'on' || (config.importWorker === 'auto' && file.sizeBytes >= WORKER_MIN_BYTES);
  let sha256: () => string | null = () => file.sha256();
  let batches: AsyncGenerator<SubmissionBatch>;
  if (useWorker && workerAvailable()) {
    file.close();
    const evaluation = evaluateInWorker(input);
    batches = evaluation.batches;
    sha256 = evaluation.sha256;
  } else {
    batches = evaluateBatches(file, input);
  }

  try {
    for await (const { submissions, lastRow, fractionRead } of batches) {
      if (dryRunLedger) {
        const plan = await planBatch(store.db, null, context, submissions, dryRunLedger);
        counts = tallied(counts, plan.results, lastRow);
      } else {
        // The counts are saved in the batch's transaction but kept only once it committed: a retried
        // transaction (a lost duplicate-key race) must not count its rows twice.
        const plan = await storeBatch(store, context, submissions, (trx, attempt) => saveProgress(trx, importId, tallied(counts, attempt.results, lastRow)));
        counts = tallied(counts, plan.results, lastRow);
      }
      request.onProgress?.({ ...counts, fractionRead });
    }
  } catch (error) {
    if (!dryRun) await abandonImport(store, importId, error, startedAt);
    throw error;
  } finally {
    await dryRunLedger?.close();
  }
  const status = finalState(counts.failed);
  const durationMs = Date.now() - startedAt;
  if (!dryRun) {
    await finishImport(store.db, importId, status, { sha256: sha256(), finishedAt: new Date().toISOString(), durationMs });
  }
  const { total, created, updated, failed, duplicates } = counts;
  return { importId, status, total, created, updated, failed, duplicates, durationMs };
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
export function columnHints(file: TabularFile, flow: FlowSpec, mapping: readonly ColumnMapping[]): Record<string, FieldHints> {
  const hints: Record<string, FieldHints> = Object.create(null);
  for (const column of mapping) {
    const field = flow.fields.find((candidate) => candidate.name === column.field);
    if (field?.type !== 'date') continue;
    if (inferDayFirst(file.sample.map((record) => record.cells[column.index] ?? ''))) hints[field.name] = { dayFirst: true };
  }
  return hints;
}

async function abandonImport(store: Store, importId: string, error: unknown, startedAt: number): Promise<void> {
  const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
  await store.db.transaction().execute((trx) => undoImportWrites(trx, importId, true));
  await finishImport(store.db, importId, 'failed', { error: message, finishedAt: new Date().toISOString(), durationMs: Date.now() - startedAt });
}
