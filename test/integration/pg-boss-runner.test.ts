import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/create-job-runner.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { JOB_KINDS, JobReleased, type JobContext, type JobRunner } from '../../src/jobs/job-runner.js';
import { PgBossJobRunner } from '../../src/jobs/pg-boss-runner.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

/** Waits (up to 30 s) until `check` holds. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (await check()) return;
    await delay(50);
  }
  throw new Error(`never happened: ${what}`);
}

interface JobRow {
  state: string;
  retry_count: number;
  singleton_key: string | null;
  start_after: Date;
  created_on: Date;
}

describe.runIf(DIALECTS.includes('postgres'))('the pg-boss job runner on PostgreSQL', () => {
  let t: TestStore;
  let jobs: JobRunner;
  let logger: FastifyInstance;
  const logLines: Record<string, unknown>[] = [];

  const jobRow = async (id: string): Promise<JobRow> =>
    (
      await sql<JobRow>`select state::text as state, retry_count, singleton_key, start_after, created_on
      from pgboss.job where id = ${id}`.execute(t.store.db)
    ).rows[0] as JobRow;

  beforeAll(async () => {
    // A 2 s lease: pg-boss's maintenance (which returns a dead worker's job to the queue) runs every second.
    t = await createTestStore('postgres', { LEADPORT_JOB_LEASE_SECONDS: '2', LEADPORT_QUEUE: 'pg-boss' });
    // The app's logger (Fastify's pino), writing JSON lines here.
    logger = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => logLines.push(JSON.parse(line)) } },
    });
  });
  beforeEach(() => {
    jobs = createJobRunner(t.store, t.config, logger.log);
  });
  afterEach(async () => {
    await jobs.stop();
    await sql`delete from pgboss.job`.execute(t.store.db);
  });
  afterAll(async () => {
    await logger.close();
    await t.destroy();
  });

  it('is what createJobRunner makes on PostgreSQL with LEADPORT_QUEUE=pg-boss, with its tables in the schema pgboss', async () => {
    expect(jobs).toBeInstanceOf(PgBossJobRunner);
    expect(createJobRunner(t.store, { ...t.config, queue: 'embedded' })).toBeInstanceOf(EmbeddedJobRunner);
    await jobs.ping();
    const queues = await sql<{ name: string }>`select name from pgboss.queue order by name`.execute(t.store.db);
    expect(queues.rows.map((row) => row.name)).toEqual([...JOB_KINDS].sort());
  });

  it('runs an enqueued job once with its payload, and logs its start and end with the job and import ids', async () => {
    const seen: Array<{ payload: unknown; context: JobContext }> = [];
    jobs.work({ import: async (payload, context) => void seen.push({ payload, context }) }, { concurrency: 2 });
    const id = await jobs.enqueue('import', { importId: 'imp-1' });
    await until('the job completed', async () => (await jobRow(id)).state === 'completed');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toEqual({ importId: 'imp-1' });
    expect(seen[0]?.context).toMatchObject({ jobId: id, attempt: 1 });
    expect(await jobs.counts()).toEqual({ queued: 0, running: 0, failed: 0 });
    const lines = logLines.filter((line) => line.jobId === id);
    expect(lines.map((line) => line.msg)).toEqual(['job started', 'job done']);
    for (const line of lines) expect(line).toMatchObject({ jobId: id, kind: 'import', importId: 'imp-1', attempt: 1 });
  });

  it('runs many jobs across kinds with the given concurrency, never more at once', async () => {
    let now = 0;
    let most = 0;
    const done: string[] = [];
    const handler = async (payload: unknown) => {
      now += 1;
      most = Math.max(most, now);
      await delay(30);
      now -= 1;
      done.push((payload as { n: string }).n);
    };
    jobs.work({ webhook: handler, housekeeping: handler }, { concurrency: 3 });
    for (let n = 0; n < 12; n++) await jobs.enqueue(n % 2 ? 'webhook' : 'housekeeping', { n: String(n) });
    await until('all ran', () => done.length === 12);
    expect(new Set(done).size).toBe(12);
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it('keeps a delayed job queued until it is due, while a job queued after it runs', async () => {
    const ran: string[] = [];
    jobs.work({ webhook: async (payload) => void ran.push((payload as { name: string }).name) });
    const later = await jobs.enqueue('webhook', { name: 'later' }, { delayMs: 60_000 });
    const now = await jobs.enqueue('webhook', { name: 'now' });
    await until('the undelayed job ran', async () => (await jobRow(now)).state === 'completed');
    expect(ran).toEqual(['now']);
    const row = await jobRow(later);
    expect(row.state).toBe('created');
    expect(row.start_after.getTime() - row.created_on.getTime()).toBeGreaterThanOrEqual(59_000);
    expect(await jobs.counts()).toMatchObject({ queued: 1, running: 0 });
  });

  it('retries a failed try after the backoff, counting tries, and gives up after maxAttempts', async () => {
    const tries: Array<{ attempt: number; at: number }> = [];
    jobs.work({
      webhook: async (payload, context) => {
        tries.push({ attempt: context.attempt, at: Date.now() });
        if ((payload as { fails: number }).fails >= context.attempt) throw new Error(`try ${context.attempt} failed`);
      },
    });
    const recovers = await jobs.enqueue('webhook', { fails: 1 }, { maxAttempts: 3, backoffMs: 400 });
    await until('the second try succeeded', async () => (await jobRow(recovers)).state === 'completed');
    expect(tries.map((entry) => entry.attempt)).toEqual([1, 2]);
    // The wait before a retry is at least the backoff (it starts from the database's now()).
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(350);
    expect(logLines.filter((line) => line.jobId === recovers).map((line) => line.msg)).toEqual([
      'job started',
      'job failed',
      'job started',
      'job done',
    ]);

    tries.length = 0;
    const hopeless = await jobs.enqueue('webhook', { fails: 99 }, { maxAttempts: 2, backoffMs: 100 });
    await until('it failed for good', async () => (await jobRow(hopeless)).state === 'failed');
    expect(tries.map((entry) => entry.attempt)).toEqual([1, 2]);
    expect(await jobs.counts()).toEqual({ queued: 0, running: 0, failed: 1 });
  });

  it('allows one queued or running job per key and returns the live job for the same key', async () => {
    let unblock = () => {};
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    let runs = 0;
    const first = await jobs.enqueue('import', { importId: 'imp-k' }, { key: 'import:imp-k' });
    // At once from five callers: one job.
    const again = await Promise.all(
      Array.from({ length: 5 }, () => jobs.enqueue('import', { importId: 'imp-k' }, { key: 'import:imp-k' })),
    );
    expect(new Set(again)).toEqual(new Set([first]));
    jobs.work({
      import: async () => {
        runs += 1;
        await blocked;
      },
    });
    await until('it runs', async () => (await jobRow(first)).state === 'active');
    expect(await jobs.enqueue('import', { importId: 'imp-k' }, { key: 'import:imp-k' })).toBe(first);
    // Another key is another job.
    const other = await jobs.enqueue('import', { importId: 'imp-o' }, { key: 'import:imp-o' });
    expect(other).not.toBe(first);
    unblock();
    await until('both ran', async () => (await jobRow(first)).state === 'completed' && runs === 2);
    // Once the job ended, the key is free again.
    const next = await jobs.enqueue('import', { importId: 'imp-k' }, { key: 'import:imp-k' });
    expect(next).not.toBe(first);
    expect((await jobRow(next)).singleton_key).toBe('import:imp-k');
  });

  it('runs a released job again at once, without counting the released try', async () => {
    const runs: Record<string, number[]> = { first: [], later: [] };
    jobs.work({
      revert: async (payload, context) => {
        const seen = runs[(payload as { case: string }).case] as number[];
        seen.push(context.attempt);
        if (seen.length === 1 && (payload as { case: string }).case === 'later') throw new Error('a failed try');
        if (seen.length === (payload as { releaseOnRun: number }).releaseOnRun) throw new JobReleased('test');
      },
    });
    // One try only and a minute of backoff: a release counted as a failure would end it failed or make it wait.
    const first = await jobs.enqueue(
      'revert',
      { case: 'first', releaseOnRun: 1 },
      { maxAttempts: 1, backoffMs: 60_000 },
    );
    // Released on its second try (after a failed one): the third run is still the second try.
    const later = await jobs.enqueue('revert', { case: 'later', releaseOnRun: 2 }, { maxAttempts: 2, backoffMs: 100 });
    await until('both completed', async () => {
      const states = [(await jobRow(first)).state, (await jobRow(later)).state];
      return states.every((state) => state === 'completed');
    });
    expect(runs).toEqual({ first: [1, 1], later: [1, 2, 2] });
    expect(logLines.filter((line) => line.jobId === first).map((line) => line.msg)).toEqual([
      'job started',
      'job released',
      'job started',
      'job done',
    ]);
  });

  it('stop() tells running handlers `shutdown`, waits for them and leaves their jobs queued for the next worker', async () => {
    const reasons: unknown[] = [];
    const handler = (_payload: unknown, context: JobContext) =>
      new Promise<void>((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          reasons.push(context.signal.reason);
          // The handler's last step takes a moment; stop() waits for it.
          setTimeout(() => reject(new JobReleased(String(context.signal.reason))), 200);
        });
      });
    jobs.work({ import: handler }, { concurrency: 2 });
    const ids = [
      await jobs.enqueue('import', { importId: 'imp-a' }, { key: 'import:imp-a' }),
      await jobs.enqueue('import', { importId: 'imp-b' }, { key: 'import:imp-b' }),
    ];
    await until('both run', async () => (await jobs.counts()).running === 2);
    await jobs.stop();
    expect(reasons).toEqual(['shutdown', 'shutdown']);
    for (const id of ids) expect((await jobRow(id)).state).toBe('created');

    const next = createJobRunner(t.store, t.config);
    const attempts: number[] = [];
    next.work({ import: async (_payload, context) => void attempts.push(context.attempt) });
    try {
      await until('the next worker ran both', async () => attempts.length === 2);
      expect(attempts).toEqual([1, 1]);
    } finally {
      await next.stop();
    }
  });

  it('counts queued, running and failed jobs', async () => {
    let unblock = () => {};
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    await jobs.enqueue('validate', { importId: 'imp-v' }, { delayMs: 60_000 });
    await jobs.enqueue('validate', { importId: 'imp-w' }, { delayMs: 60_000 });
    jobs.work({
      import: () => blocked,
      webhook: async () => {
        throw new Error('no');
      },
    });
    await jobs.enqueue('import', { importId: 'imp-c' });
    const failing = await jobs.enqueue('webhook', {}, { maxAttempts: 1 });
    await until('one runs, one failed', async () => (await jobRow(failing)).state === 'failed');
    await until('one runs', async () => (await jobs.counts()).running === 1);
    expect(await jobs.counts()).toEqual({ queued: 2, running: 1, failed: 1 });
    unblock();
  });

  it('runNow runs a job in this process at once, even before it is due, and rethrows its error', async () => {
    const id = await jobs.enqueue('import', { importId: 'imp-n' }, { delayMs: 60_000 });
    const seen: number[] = [];
    await jobs.runNow(id, { import: async (_payload, context) => void seen.push(context.attempt) });
    expect(seen).toEqual([1]);
    expect((await jobRow(id)).state).toBe('completed');

    const failing = await jobs.enqueue('import', { importId: 'imp-f' }, { backoffMs: 60_000 });
    await expect(
      jobs.runNow(failing, {
        import: async () => {
          throw new Error('the file is gone');
        },
      }),
    ).rejects.toThrow('the file is gone');
    // Left for a later try by a worker.
    expect((await jobRow(failing)).state).toBe('retry');
  });

  it('aborts a try with `lease_lost` when another worker took its job over, and writes nothing for it', async () => {
    let signal: AbortSignal | undefined;
    jobs.work({
      import: (_payload, context) =>
        new Promise<void>((resolve) => {
          signal = context.signal;
          context.signal.addEventListener('abort', () => resolve());
        }),
    });
    const id = await jobs.enqueue('import', { importId: 'imp-l' });
    await until('it runs', () => signal !== undefined);
    // What pg-boss does when it hands the job to another worker: a new try (active, retry_count + 1).
    await sql`update pgboss.job set retry_count = retry_count + 1, started_on = now() where id = ${id}`.execute(
      t.store.db,
    );
    await until('the try was aborted', () => signal?.aborted === true);
    expect(signal?.reason).toBe('lease_lost');
    await delay(200);
    // The other worker's try is untouched: still active, not completed by the stale one.
    expect(await jobRow(id)).toMatchObject({ state: 'active', retry_count: 1 });
  });

  it("takes up a dead worker's job once its lease runs out (pg-boss maintenance), as its next try", async () => {
    const id = await jobs.enqueue('import', { importId: 'imp-d' }, { backoffMs: 60_000 });
    // A worker took it and died 10 s ago: its 2 s lease ran out.
    await sql`update pgboss.job set state = 'active', started_on = now() - interval '10 seconds', expire_in = interval '2 seconds'
      where id = ${id}`.execute(t.store.db);
    const attempts: number[] = [];
    jobs.work({ import: async (_payload, context) => void attempts.push(context.attempt) });
    await until('it ran again', async () => (await jobRow(id)).state === 'completed');
    expect(attempts).toEqual([2]);
  });

  it("runNow takes a dead process's job at once when its lease ran out", async () => {
    const id = await jobs.enqueue('import', { importId: 'imp-e' });
    await sql`update pgboss.job set state = 'active', started_on = now() - interval '10 seconds', expire_in = interval '2 seconds'
      where id = ${id}`.execute(t.store.db);
    const attempts: number[] = [];
    await jobs.runNow(id, { import: async (_payload, context) => void attempts.push(context.attempt) });
    expect(attempts).toEqual([2]);
  });
});
