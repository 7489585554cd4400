import type { Config } from '../config.js';
import type { FlowSpec } from '../core/flow-spec.js';
import { newId } from '../core/ids.js';
import { mapRow, suggestMapping, type ColumnMapping } from '../core/mapping.js';
import { compileFlow, type CompiledFlow } from '../core/pipeline.js';
import type { Store } from '../db/database.js';
import { AppError, isAppError } from '../errors.js';
import { requireFlow, requireSource } from '../flows/flow.service.js';
import { openTabularFile, type ReadOverrides } from '../ingest/open-file.js';
import type { RawRecord, TabularFile } from '../ingest/tabular.js';
import { planBatch, storeBatch, type BatchContext, type DryRunState, type Submission, type SubmissionResult } from '../leads/lead.service.js';
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
    mapping = resolveMapping(file, flow, request.mapping);
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
  const context: BatchContext = { flow: compileFlow(flow), sourceId: request.sourceId, importId: dryRun ? null : importId };
  const counts: ImportCounts = { total: 0, created: 0, updated: 0, failed: 0, duplicates: 0, committed_rows: 0 };
  const dryRunState: DryRunState | null = dryRun ? { owners: new Map() } : null;
  const targets = mapping.map((column) => column.field);

  try {
    let pending: RawRecord[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const submissions = toSubmissions(pending, file.headers.length, targets, context.flow, request.sourceId);
      const lastRow = pending[pending.length - 1]?.recordNumber ?? counts.committed_rows;
      pending = [];
      if (dryRunState) {
        const plan = await planBatch(store.db, context, submissions, dryRunState);
        tally(counts, plan.results, lastRow);
      } else {
        await storeBatch(store.db, context, submissions, async (trx, plan) => {
          tally(counts, plan.results, lastRow);
          await saveProgress(trx, importId, counts);
        });
      }
      request.onProgress?.({ ...counts, fractionRead: file.fractionRead() });
    };
    for await (const batch of file.records()) {
      for (const record of batch) pending.push(record);
      if (pending.length >= config.batchSize) await flush();
    }
    await flush();
  } catch (error) {
    if (!dryRun) await abandonImport(store, importId, error, startedAt);
    throw error;
  }
  const status = finalState(counts.failed);
  const durationMs = Date.now() - startedAt;
  if (!dryRun) {
    await finishImport(store.db, importId, status, { sha256: file.sha256(), finishedAt: new Date().toISOString(), durationMs });
  }
  const { total, created, updated, failed, duplicates } = counts;
  return { importId, status, total, created, updated, failed, duplicates, durationMs };
}

function tally(counts: ImportCounts, results: readonly SubmissionResult[], lastRow: number): void {
  // Counts are updated only once the batch is known good; a DuplicateKeyRace retry replans from scratch.
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
  counts.total += results.length;
  counts.created += created;
  counts.updated += updated;
  counts.failed += failed;
  counts.duplicates += duplicates;
  counts.committed_rows = lastRow;
}

/** Runs the pure pipeline over a batch of records: ragged rows become errors, the rest are evaluated. */
function toSubmissions(
  records: readonly RawRecord[],
  width: number,
  targets: readonly (string | null)[],
  flow: CompiledFlow,
  sourceId: string,
): Submission[] {
  return records.map((record) => {
    const started = performance.now();
    const raw = mapRow(record.cells, targets);
    if (record.cells.length !== width) {
      const where = record.line !== undefined && record.line !== record.recordNumber ? ` (line ${record.line})` : '';
      return {
        rowNumber: record.recordNumber,
        raw,
        evaluation: null,
        errorReason: `row ${record.recordNumber}${where} has ${record.cells.length} fields but the header has ${width}`,
        cells: record.cells,
        durationUs: 0,
      };
    }
    const evaluation = flow.evaluate(raw, sourceId);
    return { rowNumber: record.recordNumber, raw, evaluation, cells: record.cells, durationUs: Math.round((performance.now() - started) * 1000) };
  });
}

/**
 * The mapping an import uses: the suggestion, overridden by the user's choices (by header). Refuses a
 * mapping that sends two columns to one field, names an unknown field, or leaves a required field unmapped.
 */
export function resolveMapping(file: TabularFile, flow: FlowSpec, overrides: Readonly<Record<string, string | null>> = {}): ColumnMapping[] {
  const suggested = suggestMapping(file.headers, flow.fields);
  const known = new Set(flow.fields.map((field) => field.name));
  for (const header of Object.keys(overrides)) {
    if (!file.headers.includes(header)) {
      throw new AppError('validation_failed', `${file.fileName} has no column "${header}" (its columns: ${file.headers.join(', ')})`, { header });
    }
    const field = overrides[header];
    if (field && !known.has(field)) {
      throw new AppError('validation_failed', `column "${header}" is mapped to "${field}", which is not a field of flow "${flow.id}"`, { header, field });
    }
  }
  const mapping = suggested.map((column): ColumnMapping => {
    if (!Object.hasOwn(overrides, column.header)) return column;
    const field = overrides[column.header] ?? null;
    return { index: column.index, header: column.header, field, confidence: 1, note: 'chosen by the user' };
  });
  const seen = new Map<string, string>();
  for (const column of mapping) {
    if (!column.field) continue;
    const previous = seen.get(column.field);
    if (previous !== undefined) {
      throw new AppError('validation_failed', `columns "${previous}" and "${column.header}" are both mapped to ${column.field}`, {
        field: column.field,
      });
    }
    seen.set(column.field, column.header);
  }
  const missing = flow.fields.filter((field) => field.required && !seen.has(field.name)).map((field) => field.name);
  if (missing.length > 0) {
    throw new AppError(
      'validation_failed',
      `${file.fileName}: required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not mapped to any column (columns: ${file.headers.join(', ')})`,
      { missing },
    );
  }
  return mapping;
}

async function abandonImport(store: Store, importId: string, error: unknown, startedAt: number): Promise<void> {
  const message = (isAppError(error) ? error.message : String((error as Error)?.message ?? error)).slice(0, 2000);
  await store.db.transaction().execute((trx) => undoImportWrites(trx, importId, true));
  await finishImport(store.db, importId, 'failed', { error: message, finishedAt: new Date().toISOString(), durationMs: Date.now() - startedAt });
}
