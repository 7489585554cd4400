import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { findParts } from '../../src/imports/import-part.repository.js';
import { executeImport } from '../../src/imports/import-run.js';
import { createJobRunner } from '../../src/jobs/create-job-runner.js';
import { createApiKey } from '../../src/auth/auth.service.js';
import {
  everyRow,
  flowDefinition,
  importResults,
  queuedImport,
  seedLeads,
  spelled,
  waitForEnd,
  writeLeads,
  type Duplicates,
} from '../helpers/keyed-leads.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

// Real `leadport worker` processes (dist/: build first) share one import split into parts, on PostgreSQL:
// the scale-out store. Each import's rows must end exactly as one worker in one process leaves them.

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const ROWS = 20_000;
const PARTS = 4;
const BATCH = 100;
// A short lease: a stopped worker's parts are taken over two seconds after its last renewal.
const workerEnv = {
  LEADPORT_BATCH_SIZE: String(BATCH),
  LEADPORT_JOB_LEASE_SECONDS: '2',
  LEADPORT_IMPORT_PARTS: String(PARTS),
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
};
const update: Duplicates = { keys: ['email'], windowDays: null, action: 'update', fields: { comments: 'always' } };

interface Worker {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Starts `leadport worker` in its own process group; resolves once it says it runs jobs. */
async function startWorker(url: string, concurrency: number, env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [bin, 'worker', '--concurrency', String(concurrency)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('running jobs')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${output}`)));
  });
  return { child, output: () => output };
}

/** Starts `leadport serve --no-worker` in its own process group on a free port; resolves with its port. */
async function startServer(url: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [bin, 'serve', '--no-worker'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: '0', ...env, LOG_FORMAT: 'pretty' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout?.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const listening = /Leadport is listening on http:\/\/[^:]+:(\d+) /.exec(output);
      if (listening?.[1]) resolve(Number(listening[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, port };
}

/** Stops a worker with SIGTERM (it drains: each running part commits its batch or is given back). */
async function stopWorker(worker: Worker): Promise<number | null> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(-(child.pid as number), 'SIGTERM');
  return exited;
}

/** Waits until the worker's output says what `pattern` matches. */
async function saidSo(worker: Worker, pattern: RegExp): Promise<void> {
  for (let tries = 0; tries < 1200 && !pattern.test(worker.output()); tries++) await sleep(25);
  expect(worker.output()).toMatch(pattern);
}

for (const queue of ['pg-boss', 'embedded'] as const)
  describe.skipIf(!DIALECTS.includes('postgres'))(
    `an import split into parts across worker processes (${queue} queue)`,
    () => {
      const env = { ...workerEnv, LEADPORT_QUEUE: queue };
      let t: TestStore;
      let dir: string;
      const workers: Worker[] = [];

      beforeAll(async () => {
        t = await createTestStore('postgres', { LEADPORT_BATCH_SIZE: String(BATCH) });
        dir = tempDir();
        // A worker stopped inside a batch's transaction keeps that batch's key locks: the worker taking its part
        // over would wait for them until the stopped one resumed. PostgreSQL ends such a session (rolling its
        // transaction back) once it has been idle in a transaction this long.
        const database = new URL(t.url).pathname.slice(1);
        await sql`alter database ${sql.id(database)} set idle_in_transaction_session_timeout = '1s'`.execute(
          t.store.db,
        );
      });
      afterAll(async () => {
        for (const worker of workers) {
          if (worker.child.signalCode === null && worker.child.exitCode === null) {
            process.kill(-(worker.child.pid as number), 'SIGCONT');
            await stopWorker(worker);
          }
        }
        await t.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      /**
       * Two flows alike, seeded alike; the file imported into the first as one part in this process. Returns
       * the second flow, the file and what the one-part import decided.
       */
      async function oneWorkerRun(name: string, seed: number) {
        const tag = `e${name}`;
        for (const id of [`${name}-one`, `${name}-parts`]) {
          await applyFlow(t.store.db, flowDefinition(id, update));
          await seedLeads(t, id, tag);
        }
        const { file } = writeLeads(dir, tag, seed, ROWS, 6000);
        const whole = await queuedImport(t, file, `${name}-one`);
        await executeImport(t.store, t.config, whole);
        return { flowId: `${name}-parts`, file, expected: await importResults(t, whole) };
      }

      /**
       * Queues the file's import and its job (as `POST /api/imports/:id/start` does) on the queue the workers
       * use, for them to run.
       */
      async function startImport(flowId: string, file: string): Promise<string> {
        const importId = await queuedImport(t, file, flowId);
        const jobs = createJobRunner(t.store, loadConfig({ DATABASE_URL: t.url, ...env }));
        try {
          await jobs.enqueue('import', { importId }, { key: `import:${importId}` });
        } finally {
          await jobs.stop();
        }
        return importId;
      }

      /** Waits until every part has committed a batch (and so is under way). */
      async function partsUnderWay(importId: string): Promise<void> {
        for (let tries = 0; tries < 2400; tries++) {
          const parts = await findParts(t.store.db, importId);
          if (parts.length === PARTS && parts.every((part) => part.committed_rows > 0)) return;
          await sleep(25);
        }
        throw new Error(`the parts of import ${importId} never got under way`);
      }

      async function expectLikeOneWorker(importId: string, expected: Awaited<ReturnType<typeof importResults>>) {
        const actual = await importResults(t, importId);
        expect(actual.rowNumbers).toEqual(everyRow(ROWS));
        expect(actual.counts).toEqual(expected.counts);
        expect(actual.rows).toEqual(expected.rows);
        expect(actual.finalLeads).toEqual(expected.finalLeads);
      }

      it('four worker processes share one import: every row ends as one worker leaves it', async () => {
        const { flowId, file, expected } = await oneWorkerRun('four', 31);
        const importId = await startImport(flowId, file);
        const four = await Promise.all([0, 1, 2, 3].map(() => startWorker(t.url, 2, env)));
        workers.push(...four);
        expect(await waitForEnd(t, importId)).toBe('completed_with_errors');
        expect(await Promise.all(four.map(stopWorker))).toEqual([0, 0, 0, 0]);
        await expectLikeOneWorker(importId, expected);
        expect((await findParts(t.store.db, importId)).map((part) => part.status)).toEqual(Array(PARTS).fill('done'));
      }, 240_000);

      it('a worker stopped (SIGSTOP) past its lease has its parts finished by another and, continued, writes nothing', async () => {
        const { flowId, file, expected } = await oneWorkerRun('paused', 37);
        const importId = await startImport(flowId, file);
        const paused = await startWorker(t.url, PARTS + 1, env);
        workers.push(paused);
        await partsUnderWay(importId);
        process.kill(-(paused.child.pid as number), 'SIGSTOP');
        const other = await startWorker(t.url, PARTS + 1, env);
        workers.push(other);
        expect(await waitForEnd(t, importId)).toBe('completed_with_errors');
        await expectLikeOneWorker(importId, expected);

        // Continued, the stale worker finds its leases taken over (and says so); stopped, it has finished
        // whatever it was doing, and the import is as it was.
        process.kill(-(paused.child.pid as number), 'SIGCONT');
        await saidSo(paused, /another worker took its lease over|job lease lost/);
        expect(await stopWorker(paused)).toBe(0);
        await expectLikeOneWorker(importId, expected);
        expect(await stopWorker(other)).toBe(0);
      }, 240_000);

      it('two worker processes run two imports of overlapping keys while real-time submissions of the same keys arrive and the API process is killed and restarted: one lead per key, every row once', async () => {
        const rows = ROWS / 2;
        await applyFlow(t.store.db, flowDefinition('live', update));
        // The same family of keys in both files and in the submissions.
        const first = writeLeads(dir, 'live', 43, rows, 3000);
        const second = writeLeads(dir, 'live', 47, rows, 3000);
        const { key } = await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' });
        const two = await Promise.all([0, 1].map(() => startWorker(t.url, 3, env)));
        workers.push(...two);
        let server = await startServer(t.url, env);
        const imports = [await startImport('live', first.file), await startImport('live', second.file)];
        const submitted = new Set<string>();
        const submit = async (index: number) => {
          const email = spelled(index * 7, 'live', (index % 3) / 3);
          for (let tries = 0; ; tries++) {
            try {
              const response = await fetch(`http://127.0.0.1:${server.port}/flows/live/sources/acme-media/submit`, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                body: JSON.stringify({ first_name: `Live${index}`, email, state: 'TX' }),
              });
              expect(response.status).toBe(201);
              expect(((await response.json()) as { outcome: string }).outcome).toBe('success');
              submitted.add(email.trim().toLowerCase());
              return;
            } catch (error) {
              // The API process is being restarted: the submission is sent again once it is back.
              if (tries > 200) throw error;
              await sleep(50);
            }
          }
        };
        for (let index = 0; index < 150; index++) await submit(index);
        // The API process dies mid-way (the workers go on) and starts again.
        process.kill(-(server.child.pid as number), 'SIGKILL');
        server = await startServer(t.url, env);
        for (let index = 150; index < 300; index++) await submit(index);
        for (const importId of imports) expect(await waitForEnd(t, importId)).toBe('completed_with_errors');
        process.kill(-(server.child.pid as number), 'SIGTERM');
        expect(await Promise.all(two.map(stopWorker))).toEqual([0, 0]);

        for (const importId of imports) expect((await importResults(t, importId)).rowNumbers).toEqual(everyRow(rows));
        const leads = await t.store.db.selectFrom('leads').select('fields').where('flow_id', '=', 'live').execute();
        const emails = leads.map((lead) => (JSON.parse(lead.fields) as { email: string }).email);
        expect(new Set(emails).size).toBe(emails.length);
        expect(new Set(emails)).toEqual(new Set([...first.accepted, ...second.accepted, ...submitted]));
      }, 240_000);

      it('a worker killed (SIGKILL) mid-part has its parts taken up by another from their last committed batch', async () => {
        const { flowId, file, expected } = await oneWorkerRun('killed', 53);
        const importId = await startImport(flowId, file);
        const doomed = await startWorker(t.url, PARTS, env);
        workers.push(doomed);
        await partsUnderWay(importId);
        process.kill(-(doomed.child.pid as number), 'SIGKILL');
        const other = await startWorker(t.url, PARTS, env);
        workers.push(other);
        expect(await waitForEnd(t, importId)).toBe('completed_with_errors');
        expect(await stopWorker(other)).toBe(0);
        await expectLikeOneWorker(importId, expected);
      }, 240_000);

      it('an import whose database connections are all terminated mid-way (pg_terminate_backend) ends as one worker leaves it', async () => {
        const { flowId, file, expected } = await oneWorkerRun('terminated', 41);
        const importId = await startImport(flowId, file);
        const two = await Promise.all([0, 1].map(() => startWorker(t.url, 3, env)));
        workers.push(...two);
        await partsUnderWay(importId);
        const terminated = await sql<{ count: string }>`
      select count(pg_terminate_backend(pid)) as count from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`.execute(t.store.db);
        expect(Number(terminated.rows[0]?.count)).toBeGreaterThan(0);
        expect(await waitForEnd(t, importId)).toBe('completed_with_errors');
        expect(await Promise.all(two.map(stopWorker))).toEqual([0, 0]);
        await expectLikeOneWorker(importId, expected);
      }, 240_000);
    },
  );
