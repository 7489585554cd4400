import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const ROWS = 300_000;

/** Polls until `check` returns a value, or fails after `ms` (every wait in these tests is bounded). */
async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// A process that has exited but is not reaped yet (its parent was killed) is a zombie: it counts as gone.
function running(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

interface Started {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<[number | null, NodeJS.Signals | null]>;
}

function startImport(t: TestStore, file: string): Started {
  const child = spawn(process.execPath, [bin, 'import', file, '--flow', 'solar', '--source', 'acme-media', '--json'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent', LEADPORT_BATCH_SIZE: '500' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { process: child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function exitWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`no exit within ${ms} ms`)))]);
}

for (const dialect of DIALECTS) {
  describe(`stopping leadport import on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let file: string;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
      await promisify(execFile)(
        process.execPath,
        [bin, 'flows', 'apply', path.join(root, 'examples/solar-flow.json')],
        { cwd: root, env: { ...process.env, DATABASE_URL: t.url } },
      );
      file = path.join(dir, 'many.csv');
      const lines = ['First Name,Email,Phone,State'];
      for (let i = 0; i < ROWS; i++)
        lines.push(`P${i},p${i}@${dialect}.test,512-555-${String(i % 10000).padStart(4, '0')},TX`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Waits for an import of `file` that has committed a batch, and returns its id. */
    async function importUnderWay(known: readonly string[]): Promise<string> {
      return waitFor('a committed batch', async () => {
        const rows = await t.store.db.selectFrom('imports').select(['id', 'committed_rows']).execute();
        return rows.find((row) => !known.includes(row.id) && row.committed_rows > 0)?.id;
      });
    }

    async function storedBy(importId: string) {
      const row = await t.store.db
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', importId)
        .executeTakeFirstOrThrow();
      const leads = await t.store.db
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('import_id', '=', importId)
        .executeTakeFirstOrThrow();
      return { row, leads: Number(leads.n) };
    }

    it('SIGTERM stops it after the batch in progress: exit 143, one line on stderr, the import cancelled with what it committed', async () => {
      const run = startImport(t, file);
      const importId = await importUnderWay([]);
      run.process.kill('SIGTERM');
      const [code] = await exitWithin(run.exit, 10_000);
      expect(code).toBe(143);
      expect(run.stdout()).toBe('');
      expect(run.stderr()).toMatch(
        new RegExp(
          `^leadport: import ${importId} interrupted by SIGTERM at row \\d+; \\d+ rows committed; it is marked cancelled\\n$`,
        ),
      );
      const { row, leads } = await storedBy(importId);
      expect(row.status).toBe('cancelled');
      expect(row.error).toBe(`interrupted by SIGTERM at row ${row.committed_rows}; ${row.total} rows committed`);
      expect(row.total).toBeGreaterThan(0);
      expect(row.total).toBeLessThan(ROWS);
      // Whole batches only: the committed counts are exactly the leads stored, up to the row recorded.
      expect(row.committed_rows).toBe(row.total + 1);
      expect(row.created).toBe(row.total);
      expect(leads).toBe(row.created);
    });

    it('SIGKILL of the parent process ends the import child too, which marks the import cancelled', async () => {
      const known = (await t.store.db.selectFrom('imports').select('id').execute()).map((row) => row.id);
      const run = startImport(t, file);
      const importId = await importUnderWay(known);
      const parent = run.process.pid ?? 0;
      const child = await waitFor('the import child', () => childrenOf(parent)[0], 5_000);
      run.process.kill('SIGKILL');
      await exitWithin(run.exit, 5_000);
      await waitFor('the child to end', () => (running(child) ? undefined : true), 10_000);
      const { row, leads } = await storedBy(importId);
      expect(row.status).toBe('cancelled');
      expect(row.error).toMatch(/^interrupted by the end of its parent process at row \d+; \d+ rows committed$/);
      expect(row.total).toBeLessThan(ROWS);
      expect(leads).toBe(row.created);
    });
  });
}
