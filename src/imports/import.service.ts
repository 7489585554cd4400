import path from 'node:path';
import type { Config } from '../config.js';
import { inferDayFirst } from '../core/column-hints.js';
import type { FlowSpec } from '../core/flow-spec.js';
import { newId } from '../core/ids.js';
import type { FieldHints } from '../core/pipeline.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { requireFlow, requireSource, routableFlows } from '../flows/flow.service.js';
import { routingFlow } from '../core/routing.js';
import type { ReadOverrides } from '../ingest/open-file.js';
import type { TabularFile } from '../ingest/tabular.js';
import { createJobRunner } from '../jobs/create-job-runner.js';
import type { JobHandlers } from '../jobs/job-runner.js';
import { dispatchPendingDeliveries } from '../webhooks/webhook.service.js';
import { assertImportable, planMapping } from './column-mapping.js';
import { executeImport, executeValidation, type ImportProgress, type RunHooks } from './import-run.js';
import { finalState, type ImportState } from './import-state.js';
import { findImport, insertImport, newImportRow, type ValidationState } from './import.repository.js';
import { openForFlow } from './sheet-choice.js';

export type { ImportProgress } from './import-run.js';

export interface ImportRequest {
  readonly file: string;
  /** The name shown in messages and history (an upload's original name). */
  readonly displayName?: string;
  /** The flow and source of every row; none for a file whose rows name theirs (`routeByColumns`). */
  readonly flowId?: string;
  readonly sourceId?: string;
  /** Each row goes to the flow and source its flow_id and source_id columns name. */
  readonly routeByColumns?: boolean;
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
  /** Told each committed batch's rows (the server's Prometheus counters); dry runs commit nothing. */
  readonly metrics?: RunHooks['metrics'];
}

/** One committed batch's rows by outcome. */
export interface ImportedRows {
  readonly created: number;
  readonly updated: number;
  readonly failed: number;
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

/** Thrown by runImport when its signal stopped it; the message says where and what was kept. */
export class ImportInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInterrupted';
  }
}

/**
 * Imports a local lead file through the job machinery, in this process: the import is recorded (queued,
 * reading the file in place), an import job is enqueued and run here at once. Every row runs through the
 * same pipeline as a real-time submission, in batches of `config.batchSize` rows, each one transaction with
 * the import's progress, so if this process dies the job is taken up again (by `leadport serve`, or
 * `leadport imports resume <id>`) from the last committed batch. A dry run records the import as a draft
 * and runs the validation job instead: nothing stored, every failing row in its report. Problems with the
 * file as a whole (unreadable, required fields unmapped) are thrown before anything is recorded.
 */
export async function runImport(store: Store, config: Config, request: ImportRequest): Promise<ImportSummary> {
  const startedAt = Date.now();
  const routed = request.routeByColumns === true;
  const stored = routed ? await routedTarget(store, request) : await requireFlow(store.db, request.flowId ?? '');
  if (!routed) requireSource(stored, request.sourceId ?? '');
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
  const importId = newId();
  try {
    const plan = await planMapping(store.db, file, stored, { overrides: request.mapping, template: request.template });
    assertImportable(plan, file.fileName);
    if (routed && plan.newFields.length > 0)
      throw new AppError(
        'mapping_invalid',
        `${file.fileName}: a routed import's rows go to several flows, so it cannot add a custom field (+name): add it to the flows first`,
      );
    const now = new Date().toISOString();
    await insertImport(
      store.db,
      newImportRow({
        id: importId,
        flow_id: routed ? null : stored.id,
        source_id: routed ? null : (request.sourceId ?? null),
        route_by_columns: routed ? 1 : 0,
        file_name: file.fileName,
        file_path: path.resolve(request.file),
        file_size: file.sizeBytes,
        format: file.settings.format,
        options: JSON.stringify(
          request.read?.encoding ? { ...file.settings, chosen: { encoding: request.read.encoding } } : file.settings,
        ),
        columns: JSON.stringify(file.headers),
        mapping: JSON.stringify(plan.columns.map((column) => column.field)),
        mapping_choices: request.mapping ? JSON.stringify(request.mapping) : null,
        template_id: plan.template?.id ?? null,
        status: dryRun ? 'uploaded' : 'queued',
        started_by: request.startedBy ?? null,
        created_at: now,
      }),
    );
  } finally {
    file.close();
  }

  const jobs = createJobRunner(store, config);
  const hooks = (signal: AbortSignal): RunHooks => ({
    signal,
    cancel: request.signal,
    onProgress: request.onProgress,
    metrics: request.metrics,
  });
  const handlers: JobHandlers = dryRun
    ? { validate: async (_payload, context) => executeValidation(store, config, importId, hooks(context.signal)) }
    : { import: async (_payload, context) => executeImport(store, config, importId, hooks(context.signal)) };
  try {
    const jobId = await jobs.enqueue(dryRun ? 'validate' : 'import', { importId }, { key: `import:${importId}` });
    await jobs.runNow(jobId, handlers);
    // The flow's webhook POST is a job of its own: a running `leadport serve` or worker delivers it.
    if (!dryRun) await dispatchPendingDeliveries({ store, jobs });
  } finally {
    await jobs.stop();
  }
  return summaryOf(store, importId, startedAt, dryRun);
}

/** The flow a routed file is mapped against (every flow's fields), once the request is checked. */
async function routedTarget(store: Store, request: ImportRequest): Promise<FlowSpec> {
  const given = [request.flowId && 'flow', request.sourceId && 'source', request.template && 'template'].filter(
    Boolean,
  );
  if (given.length > 0)
    throw new AppError(
      'bad_request',
      `the rows of a routed import name their flow and source (flow_id and source_id columns): it takes no ${given.join(', ')}`,
    );
  return routingFlow(await routableFlows(store.db, null));
}

/**
 * Resumes an import a killed process left queued or processing, in this process (`leadport imports
 * resume`): waits for its lease to run out if another process still holds it, then goes on from its last
 * committed batch. An import that already ended is only summarised.
 */
export async function resumeImport(
  store: Store,
  config: Config,
  importId: string,
  hooks: Pick<ImportRequest, 'signal' | 'onProgress'> = {},
): Promise<ImportSummary> {
  const startedAt = Date.now();
  const row = await findImport(store.db, importId);
  if (!row) throw new AppError('import_not_found', `no import with id "${importId}"`);
  if (row.status === 'queued' || row.status === 'processing') {
    const jobs = createJobRunner(store, config);
    try {
      const jobId = await jobs.enqueue('import', { importId }, { key: `import:${importId}`, maxAttempts: 5 });
      await jobs.runNow(jobId, {
        import: async (_payload, context) =>
          executeImport(store, config, importId, {
            signal: context.signal,
            cancel: hooks.signal,
            onProgress: hooks.onProgress,
          }),
      });
    } finally {
      await jobs.stop();
    }
  }
  return summaryOf(store, importId, startedAt, false);
}

async function summaryOf(store: Store, importId: string, startedAt: number, dryRun: boolean): Promise<ImportSummary> {
  const row = await findImport(store.db, importId);
  if (!row) throw new Error(`import ${importId} vanished`);
  if (dryRun) {
    const validation = JSON.parse(row.validation ?? 'null') as ValidationState | null;
    const { total = 0, created = 0, updated = 0, failed = 0, duplicates = 0 } = validation ?? {};
    return {
      importId,
      status: finalState(failed),
      total,
      created,
      updated,
      failed,
      duplicates,
      durationMs: Date.now() - startedAt,
    };
  }
  if (row.status === 'cancelled')
    throw new ImportInterrupted(`import ${importId} ${row.error ?? 'was stopped'}; it is marked cancelled`);
  const { total, created, updated, failed, duplicates } = row;
  return {
    importId,
    status: row.status as ImportState,
    total,
    created,
    updated,
    failed,
    duplicates,
    durationMs: row.duration_ms ?? Date.now() - startedAt,
  };
}

/** Hints a whole column gives about its values: day-first dates, proven by the file's first rows. */
export function columnHints(
  file: TabularFile,
  flow: FlowSpec,
  targets: readonly (string | null)[],
): Record<string, FieldHints> {
  const hints: Record<string, FieldHints> = Object.create(null);
  targets.forEach((target, index) => {
    const field = flow.fields.find((candidate) => candidate.name === target);
    if (field?.type !== 'date') return;
    if (inferDayFirst(file.sample.map((record) => record.cells[index] ?? ''))) hints[field.name] = { dayFirst: true };
  });
  return hints;
}
