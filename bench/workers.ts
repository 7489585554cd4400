import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminKey, benchStore } from './bench-store.js';

const bin = fileURLToPath(new URL('../../bin/leadport.js', import.meta.url));

/** One import of the file split into `workers` parts, run by as many `leadport worker` processes. */
export interface WorkersResult {
  readonly workers: number;
  readonly rows: number;
  /** From the start request to the import's end (the server's clock). */
  readonly seconds: number;
  readonly status: string;
}

/** Starts a process from bin/leadport.js and resolves once its output matches `ready`. */
async function started(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const seen = (chunk: string) => {
      output += chunk;
      if (ready.test(output)) resolve();
    };
    child.stdout?.setEncoding('utf8').on('data', seen);
    child.stderr?.setEncoding('utf8').on('data', seen);
    child.once('exit', (code) => reject(new Error(`leadport ${args[0]} exited ${code}: ${output}`)));
  });
  return { child, output: () => output };
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The file uploaded to `serve --no-worker`, started, and imported by `workers` worker processes with
 * LEADPORT_IMPORT_PARTS = workers (docs/imports.md, "Parallel imports"), on the PostgreSQL database at
 * `databaseUrl` (a fresh one: the caller's). Each worker runs 2 jobs at once.
 */
export async function workersCase(file: string, databaseUrl: string, workers: number): Promise<WorkersResult> {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LEADPORT_MAX_UPLOAD_MB: '1024',
    LEADPORT_IMPORT_PARTS: String(workers),
    LOG_LEVEL: 'warn',
  };
  await benchStore(env);
  const key = await adminKey(env);
  const server = await started(['serve', '--no-worker'], { ...env, PORT: '0' }, /listening on http:\/\/[^:]+:\d+ /);
  const running: ChildProcess[] = [server.child];
  try {
    const port = Number(/listening on http:\/\/[^:]+:(\d+) /.exec(server.output())?.[1]);
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${key}` };
    const form = new FormData();
    form.set('flowId', 'bench');
    form.set('sourceId', 'bench-source');
    form.set('file', await fs.openAsBlob(file), path.basename(file));
    const upload = await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers });
    if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
    const { id } = (await upload.json()) as { id: string };
    for (let index = 0; index < workers; index++)
      running.push((await started(['worker', '--concurrency', '2'], env, /running jobs/)).child);
    const start = Date.now();
    await fetch(`${base}/api/imports/${id}/start`, { method: 'POST', headers });
    let view: { status: string; total: number; finishedAt: string | null };
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = (await (await fetch(`${base}/api/imports/${id}`, { headers })).json()) as typeof view;
    } while (view.status === 'queued' || view.status === 'processing');
    return {
      workers,
      rows: view.total,
      seconds: (Date.parse(view.finishedAt ?? '') - start) / 1000,
      status: view.status,
    };
  } finally {
    await Promise.all(running.map(stopped));
  }
}
