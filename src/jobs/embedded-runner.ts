import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { DB, JobTable } from '../db/schema.js';
import { jobTryLog, silentJobLog, type JobLog } from './job-log.js';
import {
  backoffDelay,
  JobReleased,
  type EnqueueOptions,
  type JobContext,
  type JobCounts,
  type JobHandlers,
  type JobKind,
  type JobRunner,
} from './job-runner.js';

const POLL_MS = 250;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 5000;

interface Running {
  readonly job: JobTable;
  readonly controller: AbortController;
  /** Settles when the try ends: with the handler's error when it failed. */
  readonly done: Promise<unknown>;
}

/**
 * The embedded store's runner: a `jobs` table in the same database, polled by this process. A taken job
 * holds a lease that is renewed while it runs; a job whose lease ran out (its process was killed) is
 * taken again by the next poll, here or in another process on the same database, so an import resumes
 * after a crash once Leadport runs again.
 */
export class EmbeddedJobRunner implements JobRunner {
  private handlers: JobHandlers = {};
  private concurrency = 0;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly leaseMs: number,
    private readonly log: JobLog = silentJobLog,
  ) {}

  async enqueue(kind: JobKind, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    if (options.key) {
      const live = await this.db
        .selectFrom('jobs')
        .select('id')
        .where('job_key', '=', options.key)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (live) return live.id;
    }
    const now = Date.now();
    const id = newId(now);
    await this.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify({ payload, backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS }),
        job_key: options.key ?? null,
        status: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? DEFAULT_ATTEMPTS,
        run_after: new Date(now + (options.delayMs ?? 0)).toISOString(),
        lease_token: null,
        lease_expires_at: null,
        last_error: null,
        created_at: new Date(now).toISOString(),
        finished_at: null,
      })
      .execute();
    this.wake();
    return id;
  }

  work(handlers: JobHandlers, options: { concurrency?: number } = {}): void {
    this.handlers = handlers;
    this.concurrency = options.concurrency ?? 4;
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const entry of this.running.values()) entry.controller.abort('shutdown');
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }

  async runNow(jobId: string, handlers: JobHandlers): Promise<void> {
    for (;;) {
      const job = await this.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      if (!job) throw new Error(`no job ${jobId}`);
      if (job.status === 'done' || job.status === 'failed') return;
      const claimed = await this.claim(job.id, true);
      if (claimed) {
        const failure = await this.start(claimed, handlers).done;
        // The caller (a CLI command) is told at once; the job stays queued for a later try by a worker.
        if (failure !== undefined) throw failure;
        continue;
      }
      // Another process holds its lease: wait until it ends or its lease runs out.
      await delay(Math.min(POLL_MS * 4, this.leaseMs / 3));
    }
  }

  async counts(): Promise<JobCounts> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', 'in', ['queued', 'running', 'failed'])
      .groupBy('status')
      .execute();
    const of = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { queued: of('queued'), running: of('running'), failed: of('failed') };
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('jobs').select('id').limit(1).execute();
  }

  private wake(): void {
    if (this.stopped || this.concurrency === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), 0);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      while (!this.stopped && this.running.size < this.concurrency) {
        const job = await this.claimNext();
        if (!job) break;
        this.start(job, this.handlers);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'job poll failed');
    } finally {
      this.polling = false;
      if (!this.stopped) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.poll(), POLL_MS);
        this.timer.unref();
      }
    }
  }

  /** The next due job, claimed: a queued one whose time has come, or a running one whose lease ran out. */
  private async claimNext(): Promise<JobTable | undefined> {
    const now = new Date().toISOString();
    const kinds = Object.keys(this.handlers);
    if (kinds.length === 0) return undefined;
    const candidates = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', now)]),
          eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', now)]),
        ]),
      )
      .orderBy('run_after')
      .limit(this.concurrency)
      .execute();
    for (const candidate of candidates) {
      if (this.running.has(candidate.id)) continue;
      const claimed = await this.claim(candidate.id, false);
      if (claimed) return claimed;
    }
    return undefined;
  }

  /**
   * Takes a job with a new lease, in one UPDATE whose WHERE repeats the conditions, so two workers cannot
   * both take it. `anyTime` takes a queued job before its time (the CLI runs its own job at once).
   */
  private async claim(jobId: string, anyTime: boolean): Promise<JobTable | undefined> {
    const now = new Date();
    const nowText = now.toISOString();
    const token = randomUUID();
    const result = await this.db
      .updateTable('jobs')
      .set({
        status: 'running',
        lease_token: token,
        lease_expires_at: new Date(now.getTime() + this.leaseMs).toISOString(),
        attempts: sql`attempts + 1`,
      })
      .where('id', '=', jobId)
      .where((eb) =>
        eb.or([
          anyTime ? eb('status', '=', 'queued') : eb.and([eb('status', '=', 'queued'), eb('run_after', '<=', nowText)]),
          eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', nowText)]),
        ]),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  }

  private start(job: JobTable, handlers: JobHandlers): Running {
    const controller = new AbortController();
    const done = this.execute(job, handlers, controller).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
    const entry = { job, controller, done };
    this.running.set(job.id, entry);
    return entry;
  }

  private async execute(job: JobTable, handlers: JobHandlers, controller: AbortController): Promise<unknown> {
    const token = job.lease_token ?? '';
    const heartbeat = setInterval(() => void this.renew(job.id, token, controller), this.leaseMs / 3);
    heartbeat.unref();
    const stored = JSON.parse(job.payload) as { payload: unknown; backoffMs: number };
    const context: JobContext = { jobId: job.id, attempt: job.attempts, signal: controller.signal };
    const log = jobTryLog(this.log, { id: job.id, kind: job.kind, payload: stored.payload, attempt: job.attempts });
    const startedAt = Date.now();
    log.info({}, 'job started');
    try {
      const handler = handlers[job.kind as JobKind];
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      await handler(stored.payload, context);
      await this.settle(job.id, token, { status: 'done', finished_at: new Date().toISOString(), last_error: null });
      log.info({ durationMs: Date.now() - startedAt }, 'job done');
      return undefined;
    } catch (error) {
      if (controller.signal.reason === 'lease_lost') {
        log.warn({ durationMs: Date.now() - startedAt }, 'job lease lost: another worker may have taken it');
        return undefined;
      }
      if (error instanceof JobReleased || controller.signal.aborted) {
        // Given back, not failed: the try is not counted and the job runs again at once.
        await this.settle(job.id, token, {
          status: 'queued',
          attempts: Math.max(0, job.attempts - 1),
          run_after: new Date().toISOString(),
        });
        log.info({ durationMs: Date.now() - startedAt }, 'job released');
        return undefined;
      }
      const message = ((error as Error)?.stack ?? String(error)).slice(0, 2000);
      const last = job.attempts >= job.max_attempts;
      log.warn({ err: error, durationMs: Date.now() - startedAt, last }, 'job failed');
      await this.settle(job.id, token, {
        status: last ? 'failed' : 'queued',
        last_error: message,
        run_after: new Date(Date.now() + backoffDelay(stored.backoffMs, job.attempts)).toISOString(),
        ...(last ? { finished_at: new Date().toISOString() } : {}),
      });
      return error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async renew(jobId: string, token: string, controller: AbortController): Promise<void> {
    try {
      const result = await this.db
        .updateTable('jobs')
        .set({ lease_expires_at: new Date(Date.now() + this.leaseMs).toISOString() })
        .where('id', '=', jobId)
        .where('lease_token', '=', token)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) controller.abort('lease_lost');
    } catch (error) {
      // The database is away for a moment: the lease may still be ours; the next beat tries again.
      this.log.warn({ err: error, jobId }, 'job lease renewal failed');
    }
  }

  /** Ends a try, only if this worker still holds the lease. */
  private async settle(jobId: string, token: string, values: Partial<JobTable>): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ ...values, lease_token: null, lease_expires_at: null })
      .where('id', '=', jobId)
      .where('lease_token', '=', token)
      .execute();
  }
}
