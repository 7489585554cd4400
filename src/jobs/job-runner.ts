/**
 * The job runner interface: background work (imports, validations, reverts, webhook deliveries,
 * housekeeping) is enqueued by kind with a JSON payload and run by whichever worker takes it. It keeps to
 * what pg-boss and graphile-worker both offer (a delay, attempts with exponential backoff, a key that
 * allows one live job per key), so a PostgreSQL queue engine fits behind it. Execution is at least once:
 * every handler reads its state from the database and is safe to run twice.
 */
export const JOB_KINDS = ['import', 'import-part', 'validate', 'revert', 'webhook', 'housekeeping'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  readonly delayMs?: number;
  /** Tries before the job is given up (default 3). */
  readonly maxAttempts?: number;
  /** The first retry's wait; each next one doubles, up to an hour (default 5 s). */
  readonly backoffMs?: number;
  /** One live (queued or running) job per key: enqueueing a key that has one does nothing. */
  readonly key?: string;
}

export interface JobContext {
  readonly jobId: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /**
   * Aborted when the worker stops (reason `shutdown`: finish or release the current step, then return) or
   * loses the job's lease (reason `lease_lost`: another worker may have it; write nothing more).
   */
  readonly signal: AbortSignal;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;

/** Jobs by state, for /metrics. */
export interface JobCounts {
  readonly queued: number;
  readonly running: number;
  readonly failed: number;
}

export interface JobRunner {
  /** Adds a job; returns its id (the live job's id when `key` already has one). */
  enqueue(kind: JobKind, payload: unknown, options?: EnqueueOptions): Promise<string>;
  /** Starts taking jobs with the given handlers (a server that only serves never calls it). */
  work(handlers: JobHandlers, options?: { concurrency?: number }): void;
  /**
   * Stops taking jobs and waits for the running ones: each is told `shutdown` and either finishes its
   * current step or is released for another worker.
   */
  stop(): Promise<void>;
  /** Runs one job in this process now, waiting for its lease if another worker holds it (the CLI's path). */
  runNow(jobId: string, handlers: JobHandlers): Promise<void>;
  counts(): Promise<JobCounts>;
  /** Throws when the queue cannot be reached (for /ready). */
  ping(): Promise<void>;
}

/** Thrown by a handler to say it gave its job back (shutdown): the runner re-queues it without counting a try. */
export class JobReleased extends Error {
  constructor(reason: string) {
    super(`job released: ${reason}`);
    this.name = 'JobReleased';
  }
}

const MAX_BACKOFF_MS = 60 * 60_000;

/** The wait before try `attempt + 1` after `attempt` failed tries: doubling from the first wait, capped at an hour. */
export function backoffDelay(firstMs: number, attempt: number): number {
  return Math.min(firstMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
}
