import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solarLeadCounts, writeSolarLeads } from '../helpers/lead-files.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const flowFile = path.join(root, 'examples/solar-flow.json');
const ROWS = 20_000;

// Small batches and a short lease: the kill lands mid-import, and the restarted process takes the import
// up two seconds after its last renewal.
const jobEnv = { LEADPORT_BATCH_SIZE: '100', LEADPORT_JOB_LEASE_SECONDS: '2', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };

function cli(url: string, args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, ...jobEnv },
    encoding: 'utf8',
  });
}

/** Starts `leadport serve` in its own process group on a free port; resolves with its port once it listens. */
async function serve(url: string, args: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: '0', ...jobEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', () => {
      const listening = /Leadport is listening on http:\/\/[^:]+:(\d+) /.exec(output);
      if (listening?.[1]) resolve(Number(listening[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return { child, port };
}

/** Starts `leadport worker` in its own process group; resolves once it says it runs jobs. */
async function worker(url: string, args: string[] = []): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(process.execPath, [bin, 'worker', '--concurrency', '2', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, ...jobEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('running jobs')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${output}`)));
  });
  return Object.assign(child, { output: () => output });
}

/** Kills a process and everything it started (its process group) at once, as a power cut would. */
function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`process ${child.pid} had already exited (${child.exitCode ?? child.signalCode})`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-(child.pid as number), 'SIGKILL');
  return exited;
}

for (const dialect of DIALECTS) {
  describe(`an import survives a killed process on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let adminKey = '';

    beforeAll(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
      cli(t.url, ['flows', 'apply', flowFile]);
      adminKey = cli(t.url, ['keys', 'create', '--admin']).trim().split(/\s+/).at(-1) as string;
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Waits until the import has committed some batches but not all, then kills the process running it. */
    async function killMidImport(child: ChildProcess, importId: () => Promise<string | undefined>): Promise<number> {
      for (let tries = 0; tries < 2000; tries++) {
        const id = await importId();
        const row = id
          ? await t.store.db
              .selectFrom('imports')
              .select(['committed_rows', 'status'])
              .where('id', '=', id)
              .executeTakeFirst()
          : undefined;
        if (row && row.committed_rows > 0) {
          expect(row.status).toBe('processing');
          await killHard(child);
          return row.committed_rows;
        }
        await delay(10);
      }
      throw new Error('the import never got under way');
    }

    /** The import's rows are each stored exactly once, with the counts of a run that was never killed. */
    async function expectExactlyRight(importId: string) {
      const row = await t.store.db
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', importId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'completed_with_errors', ...solarLeadCounts(ROWS) });
      const leads = await t.store.db
        .selectFrom('leads')
        .select('row_number')
        .where('import_id', '=', importId)
        .execute();
      const events = await t.store.db
        .selectFrom('events')
        .select('row_number')
        .where('import_id', '=', importId)
        .execute();
      expect(leads).toHaveLength(solarLeadCounts(ROWS).created);
      const rows = [...leads, ...events].map((entry) => entry.row_number as number).sort((a, b) => a - b);
      expect(rows).toEqual(Array.from({ length: ROWS }, (_, index) => index + 2));
    }

    it('resumes an uploaded import after `leadport serve` is killed with SIGKILL', async () => {
      const file = writeSolarLeads(dir, ROWS);
      let server = await serve(t.url);
      const base = () => `http://127.0.0.1:${server.port}`;
      const form = new FormData();
      form.set('flowId', 'solar');
      form.set('sourceId', 'acme-media');
      form.set('file', await fs.openAsBlob(file), path.basename(file));
      const headers = { authorization: `Bearer ${adminKey}` };
      const upload = await fetch(`${base()}/api/imports`, { method: 'POST', body: form, headers });
      expect(upload.status).toBe(201);
      const { id } = (await upload.json()) as { id: string };
      expect((await fetch(`${base()}/api/imports/${id}/start`, { method: 'POST', headers })).status).toBe(202);
      const committed = await killMidImport(server.child, async () => id);
      expect(committed).toBeLessThan(ROWS + 1);

      server = await serve(t.url);
      try {
        for (let tries = 0; tries < 600; tries++) {
          const view = (await (await fetch(`${base()}/api/imports/${id}`, { headers })).json()) as { status: string };
          if (view.status === 'completed_with_errors') break;
          await delay(100);
        }
        await expectExactlyRight(id);
      } finally {
        await killHard(server.child);
      }
    }, 180_000);

    it('runs jobs in `leadport worker`, not in `serve --no-worker`; a worker stopped with SIGTERM gives its import back', async () => {
      const file = writeSolarLeads(dir, ROWS);
      const server = await serve(t.url, ['--no-worker']);
      const base = `http://127.0.0.1:${server.port}`;
      const headers = { authorization: `Bearer ${adminKey}` };
      try {
        const form = new FormData();
        form.set('flowId', 'solar');
        form.set('sourceId', 'acme-media');
        form.set('file', await fs.openAsBlob(file), path.basename(file));
        const { id } = (await (await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers })).json()) as {
          id: string;
        };
        await fetch(`${base}/api/imports/${id}/start`, { method: 'POST', headers });
        await delay(1500);
        const waiting = await t.store.db
          .selectFrom('imports')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        expect(waiting.status).toBe('queued');

        const first = await worker(t.url);
        for (let tries = 0; tries < 2000; tries++) {
          const row = await t.store.db
            .selectFrom('imports')
            .select('committed_rows')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          if (row.committed_rows > 0) break;
          await delay(10);
        }
        const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
        first.kill('SIGTERM');
        expect(await exited).toBe(0);
        const released = await t.store.db
          .selectFrom('imports')
          .select(['status', 'lease_token', 'committed_rows', 'created', 'failed'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        // Unless it had finished, the import waits for the next worker, with no lease held.
        if (released.status !== 'completed_with_errors')
          expect(released).toMatchObject({ status: 'queued', lease_token: null });

        const second = await worker(t.url, ['--metrics-port', '0']);
        try {
          for (let tries = 0; tries < 600; tries++) {
            const row = await t.store.db
              .selectFrom('imports')
              .select('status')
              .where('id', '=', id)
              .executeTakeFirstOrThrow();
            if (row.status === 'completed_with_errors') break;
            await delay(100);
          }
          await expectExactlyRight(id);
          // The second worker's /metrics counts the rows it committed: the rest of the import.
          const metricsUrl = /metrics at (http:\/\/\S+\/metrics)/.exec(second.output())?.[1] as string;
          const text = await (await fetch(metricsUrl)).text();
          const count = (outcome: string) =>
            Number(new RegExp(`^leadport_import_rows_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
          const done = await t.store.db
            .selectFrom('imports')
            .select(['created', 'failed'])
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          expect(count('created')).toBe(done.created - released.created);
          expect(count('failed')).toBe(done.failed - released.failed);
        } finally {
          await killHard(second);
        }
      } finally {
        await killHard(server.child);
      }
    }, 180_000);

    it('resumes a `leadport import` killed with SIGKILL with `leadport imports resume`', async () => {
      const file = writeSolarLeads(dir, ROWS);
      const child = spawn(
        process.execPath,
        [bin, 'import', file, '--flow', 'solar', '--source', 'acme-media', '--json'],
        {
          cwd: root,
          env: { ...process.env, DATABASE_URL: t.url, ...jobEnv },
          stdio: 'ignore',
          detached: true,
        },
      );
      const findId = async () =>
        (
          await t.store.db
            .selectFrom('imports')
            .select('id')
            .where('file_name', '=', path.basename(file))
            .executeTakeFirst()
        )?.id;
      await killMidImport(child, findId);
      const id = (await findId()) as string;
      const summary = JSON.parse(cli(t.url, ['imports', 'resume', id, '--json'])) as Record<string, unknown>;
      expect(summary).toMatchObject({ importId: id, status: 'completed_with_errors', ...solarLeadCounts(ROWS) });
      await expectExactlyRight(id);
    }, 180_000);
  });
}
