import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.js';
import { openStore, type Store } from '../src/db/database.js';
import { createJobRunner } from '../src/jobs/create-job-runner.js';
import type { JobRunner } from '../src/jobs/job-runner.js';

const USAGE = `Usage: node dist/bench/queue.js [--samples 100] [--jobs 2000]

The job queue's pick-up latency and throughput, as docs/queue-choice.md reports them: the pg-boss runner on
PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; a new
database, dropped afterwards) and, for reference, the embedded runner on the same database and on a SQLite file.
  latency     one idle worker; a job is enqueued after a random 50-300 ms pause, from the worker's own runner
              (it wakes its loop) or from another runner (as another process would: the worker finds it by
              polling); the time from the enqueue call to the handler's start
  throughput  no-op jobs enqueued while no worker runs (the enqueue rate, with and without a key), then
              runners with 4 slots each take them all; jobs/s from the start to the last completion
`;

interface Options {
  readonly samples: number;
  readonly jobs: number;
  readonly postgres: string;
}

function parseArgs(argv: string[]): Options {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const value = (name: string, fallback: number) => {
    const index = argv.indexOf(name);
    const number = index === -1 ? fallback : Number(argv[index + 1]);
    if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a positive whole number`);
    return number;
  };
  return {
    samples: value('--samples', 100),
    jobs: value('--jobs', 2000),
    postgres:
      process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Milliseconds from the enqueue call to the handler's start, one sample per job. */
async function latency(store: Store, config: Config, samples: number, fromOtherRunner: boolean) {
  const worker = createJobRunner(store, config);
  const enqueuer = fromOtherRunner ? createJobRunner(store, config) : worker;
  const started = new Map<number, number>();
  worker.work({ webhook: async (payload) => void started.set((payload as { n: number }).n, performance.now()) });
  // The first job starts pg-boss (migrations, queues) in both runners; it is not counted.
  await enqueuer.enqueue('webhook', { n: -1 });
  while (!started.has(-1)) await delay(5);
  const took: number[] = [];
  try {
    for (let n = 0; n < samples; n++) {
      await delay(50 + Math.random() * 250);
      const at = performance.now();
      await enqueuer.enqueue('webhook', { n });
      while (!started.has(n)) await delay(1);
      took.push((started.get(n) as number) - at);
    }
  } finally {
    await worker.stop();
    if (enqueuer !== worker) await enqueuer.stop();
  }
  took.sort((a, b) => a - b);
  return { p50: percentile(took, 50), p95: percentile(took, 95), max: took.at(-1) ?? Number.NaN };
}

/** Enqueue rate (no key, and a key each), then how fast `runners` x 4 slots run every queued job. */
async function throughput(store: Store, config: Config, jobs: number, runners: number) {
  const enqueuer = createJobRunner(store, config);
  await enqueuer.enqueue('webhook', { warmUp: true });
  await delay(100);
  const half = Math.floor(jobs / 2);
  let at = performance.now();
  for (let n = 0; n < half; n++) await enqueuer.enqueue('webhook', { n });
  const plain = half / ((performance.now() - at) / 1000);
  at = performance.now();
  for (let n = half; n < jobs; n++) await enqueuer.enqueue('webhook', { n }, { key: `bench:${n}` });
  const keyed = (jobs - half) / ((performance.now() - at) / 1000);
  await enqueuer.stop();

  let done = 0;
  const workers: JobRunner[] = Array.from({ length: runners }, () => createJobRunner(store, config));
  at = performance.now();
  for (const worker of workers)
    worker.work(
      {
        webhook: async () => {
          done += 1;
        },
      },
      { concurrency: 4 },
    );
  let seconds = Number.NaN;
  try {
    // Every queued job, the warm-up one included, has run and its outcome is written.
    for (;;) {
      const counts = await (workers[0] as JobRunner).counts();
      if (done >= jobs + 1 && counts.queued + counts.running === 0) break;
      await delay(20);
    }
    seconds = (performance.now() - at) / 1000;
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
  return { enqueuePerSecond: plain, keyedEnqueuePerSecond: keyed, jobsPerSecond: (jobs + 1) / seconds };
}

async function withPostgresDatabase<T>(url: string, use: (databaseUrl: string) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await admin.connect();
  const name = `leadport_queue_bench_${process.pid}`;
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    return await use(target.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function measure(label: string, env: Record<string, string>, options: Options): Promise<void> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const store = await openStore(config);
  const round = (value: number) => Math.round(value * 10) / 10;
  try {
    for (const fromOtherRunner of [false, true]) {
      const figures = await latency(store, config, options.samples, fromOtherRunner);
      const source = fromOtherRunner ? 'another runner' : 'the same runner';
      process.stdout.write(
        `${label}: pick-up latency, enqueued from ${source} (n=${options.samples}): p50 ${round(figures.p50)} ms, p95 ${round(figures.p95)} ms, max ${round(figures.max)} ms\n`,
      );
    }
    for (const runners of [1, 2]) {
      const figures = await throughput(store, config, options.jobs, runners);
      process.stdout.write(
        `${label}: ${options.jobs} no-op jobs: enqueue ${Math.round(figures.enqueuePerSecond)}/s (with a key ${Math.round(figures.keyedEnqueuePerSecond)}/s); ${runners} runner(s) x 4 slots ran ${Math.round(figures.jobsPerSecond)} jobs/s\n`,
      );
    }
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  process.stdout.write(
    `node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(1)}\n`,
  );
  await withPostgresDatabase(options.postgres, async (url) => {
    await measure('pg-boss on PostgreSQL', { DATABASE_URL: url, LEADPORT_QUEUE: 'pg-boss' }, options);
    await measure('embedded on PostgreSQL', { DATABASE_URL: url, LEADPORT_QUEUE: 'embedded' }, options);
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-queue-bench-'));
  try {
    await measure('embedded on SQLite', { DATABASE_URL: `sqlite:${path.join(dir, 'queue.db')}` }, options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
