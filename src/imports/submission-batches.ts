import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FlowSpec } from '../core/flow-spec.js';
import { compileFlow, type CompiledFlow, type FieldHints } from '../core/pipeline.js';
import { compileRouter, type RoutingInput } from '../core/routing.js';
import { AppError, type ErrorCode } from '../errors.js';
import { openTabularFile } from '../ingest/open-file.js';
import type { RawRecord, ReadSettings, TabularFile } from '../ingest/tabular.js';
import type { Submission } from '../leads/lead.service.js';
import { toSubmissions } from './row-evaluation.js';

/** A batch of evaluated rows, ready for the storage step. */
export interface SubmissionBatch {
  readonly submissions: Submission[];
  /** The record number of the batch's last row (what a resumed import starts after). */
  readonly lastRow: number;
  readonly fractionRead: number;
}

/** Everything needed to read a file and evaluate its rows, in plain data (it is sent to a worker thread). */
export interface EvaluationInput {
  readonly file: string;
  readonly displayName: string;
  readonly maxBytes: number;
  /** The settings the file was previewed with: the worker reads it the same way, detecting nothing. */
  readonly settings: ReadSettings;
  readonly headers: readonly string[];
  readonly targets: readonly (string | null)[];
  readonly flow: FlowSpec;
  readonly hints: Readonly<Record<string, FieldHints>>;
  readonly sourceId: string;
  readonly batchSize: number;
  /** The user chose the encoding: a detected UTF-8 is detected again, so it keeps its Windows-1252 fallback. */
  readonly encodingChosen?: boolean;
  /** The import's start (ms): the time the flow is compiled for (two-digit years); the clock's without it. */
  readonly now?: number;
  /** Rows fixed inline before the import ran: row number -> the row's cells, used instead of the file's. */
  readonly fixes?: Readonly<Record<number, readonly string[]>>;
  /** A routed import: each row goes to the flow and source it names, among these (`flow` is then the routing flow). */
  readonly routing?: RoutingInput;
}

/** Compiles the input's flow (once per thread that evaluates). */
export function compileInputFlow(input: EvaluationInput): CompiledFlow {
  return compileFlow(input.flow, input.hints, input.now === undefined ? undefined : new Date(input.now));
}

/** Reads an open file's records and evaluates them in batches with the compiled flow, on this thread. */
export async function* evaluateBatches(
  file: TabularFile,
  input: EvaluationInput,
  flow: CompiledFlow = compileInputFlow(input),
): AsyncGenerator<SubmissionBatch> {
  const route = input.routing
    ? compileRouter(input.routing, input.now === undefined ? undefined : new Date(input.now))
    : undefined;
  let pending: RawRecord[] = [];
  // Exactly batchSize rows a batch (the reader hands over records in chunks of its own size): a batch is
  // the unit a stop waits for and a resume restarts after.
  const take = (): SubmissionBatch => {
    const rows = pending.length > input.batchSize ? pending.slice(0, input.batchSize) : pending;
    pending = rows === pending ? [] : pending.slice(input.batchSize);
    return {
      submissions: toSubmissions(rows, input.headers, input.targets, flow, input.sourceId, route),
      lastRow: rows[rows.length - 1]?.recordNumber ?? 0,
      fractionRead: file.fractionRead(),
    };
  };
  const fixes = input.fixes;
  for await (const records of file.records()) {
    for (const record of records) {
      const fixed = fixes?.[record.recordNumber];
      pending.push(fixed ? { ...record, cells: [...fixed] } : record);
    }
    while (pending.length >= input.batchSize) yield take();
  }
  if (pending.length > 0) yield take();
}

/**
 * Opens the file with the previewed settings, so the worker reads exactly what the preview showed. A
 * detected UTF-8 is detected again from the same head (the same answer), so it keeps its fallback.
 */
export function reopen(input: EvaluationInput): Promise<TabularFile> {
  const { settings } = input;
  return openTabularFile(input.file, {
    maxBytes: input.maxBytes,
    displayName: input.displayName,
    hasHeader: settings.hasHeader,
    ...(settings.encoding && (input.encodingChosen === true || settings.encoding !== 'utf-8')
      ? { encoding: settings.encoding }
      : {}),
    ...(settings.delimiter ? { delimiter: settings.delimiter } : {}),
    ...(settings.sheet ? { sheet: settings.sheet } : {}),
  });
}

export type WorkerMessage =
  | { type: 'batch'; batch: SubmissionBatch }
  | { type: 'done'; sha256: string | null }
  | { type: 'error'; error: { code: string | null; message: string; details?: Record<string, unknown> | undefined } };

const workerFile = fileURLToPath(new URL('./evaluation.worker.js', import.meta.url));

/** True when the compiled worker script is present (it is not when running from TypeScript sources). */
export function workerAvailable(): boolean {
  return fs.existsSync(workerFile);
}

/** How many evaluated batches the worker may run ahead of the storage step. */
export const AHEAD = 4;

/**
 * Reads and evaluates the file on a worker thread while this thread stores the previous batch: the two
 * cores of a small machine each take half of an import. The worker stays at most AHEAD batches ahead, so
 * memory stays bounded; its errors (an unclosed quote) arrive as AppErrors.
 */
export function evaluateInWorker(input: EvaluationInput): {
  batches: AsyncGenerator<SubmissionBatch>;
  sha256: () => string | null;
} {
  let sha256: string | null = null;
  async function* batches(): AsyncGenerator<SubmissionBatch> {
    const worker = new Worker(workerFile, {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 32 },
    });
    const inbox: WorkerMessage[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    worker.on('message', (message: WorkerMessage) => {
      inbox.push(message);
      notify();
    });
    worker.on('error', (error) => {
      failure = error;
      notify();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !failure) failure = new Error(`the import worker stopped with exit code ${code}`);
      notify();
    });
    try {
      while (true) {
        const message = inbox.shift();
        if (!message) {
          if (failure) throw failure;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if (message.type === 'error') {
          const { code, message: text, details } = message.error;
          throw code ? new AppError(code as ErrorCode, text, details) : new Error(text);
        }
        if (message.type === 'done') {
          sha256 = message.sha256;
          return;
        }
        yield message.batch;
        worker.postMessage('ack');
      }
    } finally {
      await worker.terminate();
    }
  }
  return { batches: batches(), sha256: () => sha256 };
}
