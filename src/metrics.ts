import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobCounts } from './jobs/job-runner.js';
import type { ImportedRows } from './imports/import.service.js';
import type { SubmitResponse } from './leads/submit.schema.js';

const PREFIX = 'leadport_';

// Submissions take milliseconds and uploads minutes: prom-client's default buckets (5 ms to 10 s) with two
// finer ones below and two coarser ones above.
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const SUBMISSION_OUTCOMES: readonly SubmitResponse['outcome'][] = ['success', 'failure', 'error'];
const IMPORT_ROW_OUTCOMES = ['created', 'updated', 'failed'] as const;

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event loop, GC, handles), in one registry for the whole process:
 * they describe the process, not an app, and collecting them starts observers that are never stopped, so
 * one set per app would leak timers in a test run that creates hundreds of apps.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });
  }
  return processRegistry;
}

/**
 * One app's Prometheus metrics, in a registry of its own (never prom-client's global one), so every app a
 * test creates starts at zero and none collides with another's names. createApp makes one; whatever else
 * runs in the same process and should be counted (an import job) is handed the same object.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #requests = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration in seconds, by method, route pattern (unmatched for no route) and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.#registry],
  });
  readonly #submissions = new Counter({
    name: `${PREFIX}submissions_total`,
    help: 'Real-time submissions answered, by outcome (success, failure, error); idempotent replays excluded.',
    labelNames: ['outcome'] as const,
    registers: [this.#registry],
  });
  readonly #importRows = new Counter({
    name: `${PREFIX}import_rows_total`,
    help: 'Import rows committed, by outcome (created, updated, failed); dry runs excluded.',
    labelNames: ['outcome'] as const,
    registers: [this.#registry],
  });

  #jobCounts: (() => Promise<JobCounts>) | undefined;
  readonly #jobs = new Gauge({
    name: `${PREFIX}jobs`,
    help: 'Background jobs (imports, validations, reverts, webhook deliveries) by state: queued, running, failed.',
    labelNames: ['state'] as const,
    registers: [this.#registry],
    collect: async () => {
      if (!this.#jobCounts) return;
      const counts = await this.#jobCounts();
      for (const state of ['queued', 'running', 'failed'] as const) this.#jobs.set({ state }, counts[state]);
    },
  });

  /** Reads the job queue's counts at each scrape (the queue is shared by every process: any one reports it). */
  watchJobs(counts: () => Promise<JobCounts>): void {
    this.#jobCounts = counts;
  }

  constructor() {
    // Every outcome from zero, so a rate is defined before the first event of its kind.
    for (const outcome of SUBMISSION_OUTCOMES) this.#submissions.inc({ outcome }, 0);
    for (const outcome of IMPORT_ROW_OUTCOMES) this.#importRows.inc({ outcome }, 0);
  }

  /** Records one answered request; `route` is the matched route's pattern, undefined when none matched. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.#requests.observe({ method, route: route ?? 'unmatched', status_code: statusCode }, seconds);
  }

  /** Counts one real-time submission by the outcome it was answered with. */
  countSubmission(outcome: SubmitResponse['outcome']): void {
    this.#submissions.inc({ outcome });
  }

  /** Counts one committed import batch's rows by outcome (ImportRequest.metrics). */
  importedRows(batch: ImportedRows): void {
    for (const outcome of IMPORT_ROW_OUTCOMES)
      if (batch[outcome] > 0) this.#importRows.inc({ outcome }, batch[outcome]);
  }

  /** The Content-Type of render()'s text (Prometheus text exposition format 0.0.4). */
  get contentType(): string {
    return this.#registry.contentType;
  }

  /** The process's metrics and this app's, in Prometheus text format. */
  render(): Promise<string> {
    return Registry.merge([processMetrics(), this.#registry]).metrics();
  }
}
