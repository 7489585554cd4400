import { setTimeout as delay } from 'node:timers/promises';
import { CompiledQuery, sql, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type { Store } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { jobTryLog, silentJobLog, type JobLog } from './job-log.js';
import {
  backoffDelay,
  JOB_KINDS,
  JobReleased,
  type EnqueueOptions,
  type JobContext,
  type JobCounts,
  type JobHandlers,
  type JobKind,
  type JobRunner,
} from './job-runner.js';

/** pg-boss's schema in Leadport's database: its tables, created and migrated by `boss.start()`. */
const SCHEMA = 'pgboss';
const JOB_TABLE = sql.table(`${SCHEMA}.job`);
const ARCHIVE_TABLE = sql.table(`${SCHEMA}.archive`);
/** pg-boss 10's own shortest polling interval; a job enqueued in this process wakes the loop at once. */
const POLL_MS = 500;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 5000;
/** Failed jobs stay in `pgboss.job` (and in the `failed` count) this long before pg-boss archives them. */
const FAILED_KEPT_SECONDS = 7 * 86_400;
/** Connections of pg-boss's own pool: fetches and pg-boss's maintenance; the store's pool does the rest. */
const QUEUE_CONNECTIONS = 4;

/** What Leadport stores as a pg-boss job's data. */
interface StoredJob {
  readonly payload: unknown;
  /** The first retry's wait (EnqueueOptions.backoffMs), doubled per try by `backoffDelay`. */
  readonly backoffMs: number;
}

/**
 * One try of a job, as pg-boss's fetch (or `take`) returned it. pg-boss raises `retryCount` each time it
 * hands out a job that was handed out before, so (id, retryCount) names one try: the runner's lease token.
 */
interface Taken {
  readonly id: string;
  readonly name: JobKind;
  readonly data: StoredJob;
  readonly retryCount: number;
  readonly retryLimit: number;
}

interface Running {
  readonly controller: AbortController;
  /** Settles when the try ends: with the handler's error when it failed. Never rejects. */
  readonly done: Promise<unknown>;
}

export interface PgBossRunnerOptions {
  readonly databaseUrl: string;
  /** How long a try holds its job without renewal (LEADPORT_JOB_LEASE_SECONDS); renewed every third. */
  readonly leaseMs: number;
}

/**
 * The PostgreSQL runner: pg-boss 10 (schema `pgboss`, in the store's database) queues the jobs, stores
 * their tries and retries, and its maintenance gives the job of a dead worker to the next one. On top,
 * keeping the JobRunner contract the embedded runner set (see docs/queue-choice.md for why each):
 * - one loop fetches for all kinds, up to `concurrency` jobs at once (pg-boss's `work()` waits a polling
 *   interval after every fetch, even a fruitful one);
 * - a running try renews its lease (pg-boss's `expire_in`) every third of it, and is aborted with
 *   `lease_lost` when another worker took the job over; its outcome is written only while it still holds
 *   the job, checked under a row lock;
 * - `key` allows one queued or running job per key, checked under an advisory lock (pg-boss's stately
 *   policy would queue a second job next to a running one, and `send` returns null, not the live job's id);
 * - a try that fails waits `backoffDelay` (pg-boss's own backoff has jitter and no cap); a released try
 *   (JobReleased, shutdown) goes back to the queue at once, uncounted.
 * pg-boss starts (migrations, queues) on first use; `stop` closes its pool, and the next use starts it again.
 */
export class PgBossJobRunner implements JobRunner {
  private handlers: JobHandlers = {};
  private concurrency = 0;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  /** Which kind's queue the next poll asks first, so a backlog of one kind does not starve the others. */
  private turn = 0;
  private boss: Promise<PgBoss> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: PgBossRunnerOptions,
    private readonly log: JobLog = silentJobLog,
  ) {}

  async enqueue(kind: JobKind, payload: unknown, options: EnqueueOptions = {}): Promise<string> {
    const boss = await this.started();
    const data: StoredJob = { payload, backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS };
    const sendOptions: PgBoss.SendOptions = {
      retryLimit: Math.max(0, (options.maxAttempts ?? DEFAULT_ATTEMPTS) - 1),
      // The wait after a failed try is set when it fails; a job whose worker died is taken again at once.
      retryDelay: 0,
      retryBackoff: false,
      expireInSeconds: Math.max(1, Math.ceil(this.options.leaseMs / 1000)),
      // Seconds from the database's now(), which is what the fetch compares with.
      ...(options.delayMs ? { startAfter: Math.ceil(options.delayMs) / 1000 } : {}),
      ...(options.key ? { singletonKey: options.key } : {}),
    };
    const key = options.key;
    const id = key
      ? await this.store.db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtextextended(${`leadport job key ${key}`}, 0))`.execute(trx);
          const live = await sql<{ id: string }>`
            select id from ${JOB_TABLE} where singleton_key = ${key} and state < 'completed' limit 1`.execute(trx);
          return live.rows[0]?.id ?? boss.send(kind, data, { ...sendOptions, db: bossDb(trx) });
        })
      : await boss.send(kind, data, sendOptions);
    // pg-boss answers null for a queue that does not exist (they are all created at start).
    if (!id) throw new Error(`the job queue has no queue "${kind}"`);
    if (this.handlers[kind]) this.wake();
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
    // A poll in flight starts what it fetched; those are told to stop with the rest.
    await this.polling;
    for (const entry of this.running.values()) entry.controller.abort('shutdown');
    await Promise.all([...this.running.values()].map((entry) => entry.done));
    const boss = this.boss;
    this.boss = undefined;
    const started = await boss?.catch(() => undefined);
    await started?.stop({ graceful: false, close: true });
  }

  async runNow(jobId: string, handlers: JobHandlers): Promise<void> {
    await this.started();
    for (;;) {
      const found = await sql<{ state: string }>`
        select state::text as state from ${JOB_TABLE} where id = ${jobId}
        union all
        select state::text as state from ${ARCHIVE_TABLE} where id = ${jobId}
        limit 1`.execute(this.store.db);
      const state = found.rows[0]?.state;
      if (!state) throw new Error(`no job ${jobId}`);
      if (state === 'completed' || state === 'cancelled' || state === 'failed') return;
      const taken = await this.take(jobId);
      if (taken) {
        const failure = await this.begin(taken, handlers).done;
        // The caller (a CLI command) is told at once; the job stays queued for a later try by a worker.
        if (failure !== undefined) throw failure;
        continue;
      }
      // Another process holds it: wait until it ends or its lease runs out.
      await delay(Math.min(POLL_MS * 2, this.options.leaseMs / 3));
    }
  }

  async counts(): Promise<JobCounts> {
    await this.started();
    const rows = await sql<{ state: string; count: number }>`
      select state::text as state, count(*)::int as count from ${JOB_TABLE}
      where state in ('created', 'retry', 'active', 'failed')
      group by state`.execute(this.store.db);
    const of = (...states: string[]) =>
      rows.rows.filter((row) => states.includes(row.state)).reduce((sum, row) => sum + Number(row.count), 0);
    return { queued: of('created', 'retry'), running: of('active'), failed: of('failed') };
  }

  async ping(): Promise<void> {
    const boss = await this.started();
    // pg-boss's own connections (fetches) and the store's (enqueues, renewals, outcomes) both reach the queue.
    await boss.getDb().executeSql('select 1', []);
    await sql`select version from ${sql.table(`${SCHEMA}.version`)}`.execute(this.store.db);
  }

  /** pg-boss, started: its schema created or migrated and a queue per job kind. A failed start is tried again. */
  private started(): Promise<PgBoss> {
    this.boss ??= this.open().catch((error: unknown) => {
      this.boss = undefined;
      throw error;
    });
    return this.boss;
  }

  private async open(): Promise<PgBoss> {
    const leaseSeconds = this.options.leaseMs / 1000;
    const boss = new PgBoss({
      connectionString: this.options.databaseUrl,
      schema: SCHEMA,
      application_name: 'leadport-queue',
      max: QUEUE_CONNECTIONS,
      migrate: true,
      supervise: true,
      // Maintenance is what returns a dead worker's job (its lease ran out) to the queue: twice a lease.
      maintenanceIntervalSeconds: Math.min(60, Math.max(1, Math.ceil(leaseSeconds / 2))),
      archiveFailedAfterSeconds: FAILED_KEPT_SECONDS,
      schedule: false,
    });
    // Maintenance and pool errors (the database restarting); an unheard 'error' event would end the process.
    boss.on('error', (error) => this.log.warn({ err: error }, 'job queue error'));
    try {
      await boss.start();
      const existing = new Set((await boss.getQueues()).map((queue) => queue.name));
      for (const kind of JOB_KINDS)
        if (!existing.has(kind)) await boss.createQueue(kind, { name: kind, policy: 'standard' });
    } catch (error) {
      await boss.stop({ graceful: false, close: true }).catch(() => {});
      throw error;
    }
    return boss;
  }

  private wake(): void {
    if (this.stopped || this.concurrency === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pollOnce(), 0);
  }

  private pollOnce(): void {
    if (this.polling || this.stopped) return;
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
      if (!this.stopped) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.pollOnce(), POLL_MS);
        this.timer.unref();
      }
    });
  }

  /** Fetches from each handled kind's queue in turn until this worker is full or no queue has a due job. */
  private async poll(): Promise<void> {
    try {
      const boss = await this.started();
      const kinds = JOB_KINDS.filter((kind) => this.handlers[kind]);
      for (let fetched = true; fetched; ) {
        fetched = false;
        this.turn += 1;
        for (let index = 0; index < kinds.length; index++) {
          const kind = kinds[(this.turn + index) % kinds.length] as JobKind;
          const free = this.concurrency - this.running.size;
          if (this.stopped || free <= 0) return;
          const jobs = await boss.fetch<StoredJob>(kind, { batchSize: free, includeMetadata: true });
          for (const job of jobs) this.begin({ ...job, name: kind }, this.handlers);
          if (jobs.length > 0) fetched = true;
        }
      }
    } catch (error) {
      this.log.warn({ err: error }, 'job poll failed');
    }
  }

  /**
   * Takes one job now, whatever its start time (the CLI runs the job it just queued), or a running one whose
   * lease ran out, as pg-boss's fetch takes a job: active, started now, its try counted.
   */
  private async take(jobId: string): Promise<Taken | undefined> {
    const result = await sql<Taken>`
      update ${JOB_TABLE} set
        state = 'active',
        started_on = now(),
        retry_count = case when started_on is not null then retry_count + 1 else retry_count end
      where id = ${jobId}
        and (state < 'active' or (state = 'active' and started_on + expire_in < now()))
      returning id, name, data, retry_count as "retryCount", retry_limit as "retryLimit"`.execute(this.store.db);
    return result.rows[0];
  }

  private begin(job: Taken, handlers: JobHandlers): Running {
    const controller = new AbortController();
    const done = this.execute(job, handlers, controller).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
    const entry = { controller, done };
    this.running.set(job.id, entry);
    return entry;
  }

  private async execute(job: Taken, handlers: JobHandlers, controller: AbortController): Promise<unknown> {
    const attempt = job.retryCount + 1;
    const log = jobTryLog(this.log, { id: job.id, kind: job.name, payload: job.data.payload, attempt });
    // The first renewal at once: the job may carry the long expiry a previous try's renewals left on it.
    void this.renew(job, controller, log);
    const heartbeat = setInterval(() => void this.renew(job, controller, log), this.options.leaseMs / 3);
    heartbeat.unref();
    const startedAt = Date.now();
    const took = () => ({ durationMs: Date.now() - startedAt });
    const context: JobContext = { jobId: job.id, attempt, signal: controller.signal };
    log.info({}, 'job started');
    try {
      const handler = handlers[job.name];
      if (!handler) throw new Error(`no handler for jobs of kind ${job.name}`);
      await handler(job.data.payload, context);
      if (await this.settle(job, log, (boss, db) => boss.complete(job.name, job.id, took(), { db })))
        log.info(took(), 'job done');
      return undefined;
    } catch (error) {
      if (controller.signal.reason === 'lease_lost') {
        log.warn(took(), 'job lease lost: another worker may have taken it');
        return undefined;
      }
      if (error instanceof JobReleased || controller.signal.aborted) {
        // Given back, not failed: the try is not counted and the job runs again at once.
        if (await this.settle(job, log, (_boss, _db, trx) => release(trx, job))) log.info(took(), 'job released');
        return undefined;
      }
      const wait = backoffDelay(job.data.backoffMs, attempt);
      await this.settle(job, log, async (boss, db, trx) => {
        await boss.fail(job.name, job.id, { error: ((error as Error)?.stack ?? String(error)).slice(0, 2000) }, { db });
        await sql`
          update ${JOB_TABLE} set start_after = now() + make_interval(secs => ${wait / 1000})
          where name = ${job.name} and id = ${job.id} and state = 'retry'`.execute(trx);
      });
      log.warn({ err: error, ...took(), last: attempt > job.retryLimit }, 'job failed');
      return error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Extends the try's lease (pg-boss's `expire_in`, counted from `started_on`); aborts it if it lost the job. */
  private async renew(job: Taken, controller: AbortController, log: JobLog): Promise<void> {
    try {
      const result = await sql`
        update ${JOB_TABLE} set expire_in = (now() - started_on) + make_interval(secs => ${this.options.leaseMs / 1000})
        where name = ${job.name} and id = ${job.id} and state = 'active' and retry_count = ${job.retryCount}`.execute(
        this.store.db,
      );
      if (Number(result.numAffectedRows ?? 0) === 0) controller.abort('lease_lost');
    } catch (error) {
      // The database is away for a moment: the lease may still be ours; the next beat tries again.
      log.warn({ err: error }, 'job lease renewal failed');
    }
  }

  /**
   * Writes a try's outcome in one transaction, only while the try still holds its job (row locked, so the
   * maintenance that expires jobs waits), and says whether it did. Not written (the database away, or the
   * job taken over) leaves the job to run again once its lease runs out.
   */
  private async settle(
    job: Taken,
    log: JobLog,
    write: (boss: PgBoss, db: PgBoss.Db, trx: Transaction<DB>) => Promise<unknown>,
  ): Promise<boolean> {
    try {
      const boss = await this.started();
      const held = await this.store.db.transaction().execute(async (trx) => {
        const row = await sql`
          select 1 from ${JOB_TABLE}
          where name = ${job.name} and id = ${job.id} and state = 'active' and retry_count = ${job.retryCount}
          for update`.execute(trx);
        if (row.rows.length === 0) return false;
        await write(boss, bossDb(trx), trx);
        return true;
      });
      if (!held) log.warn({}, 'job outcome not saved: another worker has taken the job');
      return held;
    } catch (error) {
      log.warn({ err: error }, 'job outcome not saved: it runs again once its lease runs out');
      return false;
    }
  }
}

/**
 * Puts a released try's job back in the queue, due now, as if the try never happened: pg-boss adds one to
 * `retry_count` when it hands out a job that has `started_on`, so the count goes one back (or, for a first
 * try, `started_on` is cleared).
 */
async function release(trx: Transaction<DB>, job: Taken): Promise<void> {
  await sql`
    update ${JOB_TABLE} set
      state = case when retry_count = 0 then 'created'::${sql.raw(SCHEMA)}.job_state else 'retry'::${sql.raw(SCHEMA)}.job_state end,
      started_on = case when retry_count = 0 then null else started_on end,
      retry_count = greatest(retry_count - 1, 0),
      start_after = now()
    where name = ${job.name} and id = ${job.id}`.execute(trx);
}

/** pg-boss's statements run in a Kysely transaction, so they commit or roll back with it. */
function bossDb(trx: Transaction<DB>): PgBoss.Db {
  return {
    executeSql: async (text, values) => ({
      rows: (await trx.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[] as object[],
    }),
  };
}
