import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { applyFlow } from '../src/flows/flow.service.js';
import { previewFile } from '../src/imports/preview.service.js';
import { BENCH_FLOW, writeLeadCsv, writeLeadXlsx, type LeadData } from './generate.js';
import { adminKey, benchStore } from './bench-store.js';
import { psqlCopyFloor } from './pg-copy-floor.js';
import { workersCase, type WorkersResult } from './workers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const rssHook = path.join(root, 'dist/bench/report-rss.js');
const bareScript = path.join(root, 'dist/bench/bare-insert.js');
const floorScript = path.join(root, 'dist/bench/storage-floor.js');
const evaluateScript = path.join(root, 'dist/bench/evaluate-only.js');
const outDir = path.join(root, 'bench/out');

const USAGE = `usage: npm run bench -- [options]   (or node dist/bench/bench.js [options] after a build)

  --rows <n>         rows in the generated CSV files (default 100000)
  --xlsx-rows <n>    rows in the generated XLSX workbook (default: rows, at most 100000)
  --preview-mb <n>   size of the CSV the preview case reads (default 50)
  --no-postgres      skip the PostgreSQL cases (psql \\copy and the import)
  --alternate <n>    run only "leadport import" and "HTTP upload -> import job" on the realistic file, n times
                     each, alternating which goes first, each on a fresh database; print every pair and the
                     median of the pairs' ratios (less at the mercy of other load than one run)
  --json             print the results as JSON
  --help             print this
`;

interface Options {
  rows: number;
  xlsxRows: number;
  json: boolean;
  postgres: string | null;
  previewMb: number;
  alternate: number;
}

function parseArgs(argv: string[]): Options {
  if (argv.includes('--help')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index === -1 ? undefined : argv[index + 1];
  };
  const rows = Number(value('--rows') ?? 100_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
  const alternate = Number(value('--alternate') ?? 0);
  if (!Number.isInteger(alternate) || alternate < 0) throw new Error('--alternate must be a whole number');
  const postgres = argv.includes('--no-postgres')
    ? null
    : (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  return {
    rows,
    xlsxRows: Number(value('--xlsx-rows') ?? Math.min(rows, 100_000)),
    json: argv.includes('--json'),
    postgres,
    previewMb: Number(value('--preview-mb') ?? 50),
    alternate,
  };
}

export interface CaseResult {
  name: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number | null;
  ratioToBare?: number;
  note?: string;
  /** The file a case read; its ratio is to the bare loop over the same file. */
  data?: LeadData;
  /** The import cases only: where their time went. */
  timing?: ImportTiming;
}

/**
 * Seconds. `job` is the import job's own duration as it records it (`durationMs`: from taking the import's
 * lease to its end, the copy of an upload out of the database included), the same clock in both import
 * cases. `wall` is the whole: the command from its start to its exit for the CLI (two Node processes start,
 * the file is opened and mapped, the job runs), the first byte of the upload to the job's end for the HTTP
 * case. `cpu` is the user + system time of all threads over `wall`: the command's processes for the CLI, the
 * server's for the HTTP case, which also has `jobCpu`, the server's from the start request to the job's end.
 * CPU times are null where they cannot be read (/proc).
 */
interface ImportTiming {
  wall: number;
  job: number;
  cpu: number | null;
  upload?: number;
  jobCpu?: number | null;
}

/** Every value a benchmarked process reported on stderr under `tag` (report-rss.ts). */
function reported(stderr: string, tag: string): number[] {
  return [...stderr.matchAll(new RegExp(`${tag} (\\d+)`, 'g'))].map((match) => Number(match[1]));
}

/**
 * Runs a node command with the RSS hook; returns stdout, the peak RSS it reported, its CPU time and its wall
 * time. A command may run in a child process too (leadport import does): the peak is the largest reported,
 * the CPU time the sum.
 */
async function measured(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; peakRssMb: number; cpuSeconds: number; wallSeconds: number }> {
  const started = performance.now();
  const { stdout, stderr } = await run(process.execPath, ['--import', rssHook, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const peaks = reported(stderr, '__bench_peak_rss_kb__');
  const cpuSeconds = reported(stderr, '__bench_cpu_us__').reduce((sum, us) => sum + us / 1e6, 0);
  return {
    stdout,
    peakRssMb: peaks.length > 0 ? Math.round(Math.max(...peaks) / 1024) : Number.NaN,
    cpuSeconds,
    wallSeconds,
  };
}

// The kernel's clock tick, the unit of /proc/<pid>/stat's CPU times.
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The CPU time (user + system, all threads) a running process has used so far, from /proc; null without it. */
function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is the first field, utime and stime the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

async function cached(file: string, make: () => Promise<void>): Promise<string> {
  if (!fs.existsSync(file)) {
    process.stderr.write(`generating ${path.basename(file)}...\n`);
    await make();
  }
  return file;
}

async function bareCase(name: string, csv: string, dir: string): Promise<CaseResult> {
  const { stdout, peakRssMb } = await measured([bareScript, csv, path.join(dir, `bare-${path.basename(csv)}.db`)]);
  const { rows, ms } = JSON.parse(stdout) as { rows: number; ms: number };
  return { name, rows, seconds: ms / 1000, rowsPerSecond: rows / (ms / 1000), peakRssMb };
}

async function floorCase(rows: number, dir: string): Promise<CaseResult> {
  const { stdout, peakRssMb } = await measured([floorScript, String(rows), `sqlite:${path.join(dir, 'floor.db')}`]);
  const result = JSON.parse(stdout) as { rows: number; ms: number };
  return {
    name: "storage floor: Leadport's rows, no pipeline (SQLite)",
    rows: result.rows,
    seconds: result.ms / 1000,
    rowsPerSecond: result.rows / (result.ms / 1000),
    peakRssMb,
    note: 'lead + duplicate key per row',
  };
}

async function evaluateCase(name: string, csv: string): Promise<CaseResult> {
  const { stdout, peakRssMb } = await measured([evaluateScript, csv]);
  const result = JSON.parse(stdout) as { rows: number; ms: number };
  return {
    name,
    rows: result.rows,
    seconds: result.ms / 1000,
    rowsPerSecond: result.rows / (result.ms / 1000),
    peakRssMb,
    note: 'mapping, normalisation, criteria, keys, JSON',
  };
}

async function importCase(name: string, file: string, databaseUrl: string, extra: string[] = []): Promise<CaseResult> {
  // The 1M-row file is over the default 50 MB upload limit.
  const env = { DATABASE_URL: databaseUrl, LEADPORT_MAX_UPLOAD_MB: '1024' };
  await benchStore(env);
  const { stdout, peakRssMb, cpuSeconds, wallSeconds } = await measured(
    [bin, 'import', file, '--flow', 'bench', '--source', 'bench-source', '--json', ...extra],
    env,
  );
  const summary = JSON.parse(stdout) as {
    total: number;
    created: number;
    failed: number;
    duplicates: number;
    durationMs: number;
  };
  return {
    name,
    rows: summary.total,
    seconds: summary.durationMs / 1000,
    rowsPerSecond: summary.total / (summary.durationMs / 1000),
    peakRssMb,
    note: `${summary.created} created, ${summary.failed} failed, ${summary.duplicates} duplicates`,
    timing: { wall: wallSeconds, job: summary.durationMs / 1000, cpu: cpuSeconds },
  };
}

/**
 * The same file through `leadport serve`: uploaded over HTTP (streamed into the database), started, and
 * imported by the server's job worker. Its rows/s are the import job's, from the duration the job records,
 * as the CLI case's are: the same clock over the same code (executeImport), with the copy of the file out
 * of the database in it. The upload before it, which the CLI has no counterpart of, is timed beside it
 * (`timing.upload`, and `timing.wall` from the upload's first byte to the job's end).
 */
async function uploadCase(name: string, file: string, databaseUrl: string): Promise<CaseResult> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, LEADPORT_MAX_UPLOAD_MB: '1024', LOG_LEVEL: 'silent' };
  await benchStore(env);
  const key = await adminKey(env);
  const server = spawn(process.execPath, ['--import', rssHook, bin, 'serve'], {
    env: { ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  server.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.on('data', () => {
        const listening = /listening on http:\/\/[^:]+:(\d+) /.exec(stdout);
        if (listening?.[1]) resolve(Number(listening[1]));
      });
      void exited.then(() => reject(new Error(`serve exited: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const headers = { authorization: `Bearer ${key}` };
    // The server runs on this machine's clock: the job's finishedAt ends the wall time, whenever it is seen.
    const started = Date.now();
    const cpuAtStart = cpuSecondsOf(server.pid ?? 0);
    const form = new FormData();
    form.set('flowId', 'bench');
    form.set('sourceId', 'bench-source');
    form.set('file', await fs.openAsBlob(file), path.basename(file));
    const upload = await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers });
    if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
    const { id } = (await upload.json()) as { id: string };
    const uploadMs = Date.now() - started;
    const cpuAtJob = cpuSecondsOf(server.pid ?? 0);
    await fetch(`${base}/api/imports/${id}/start`, { method: 'POST', headers });
    let view: {
      status: string;
      total: number;
      created: number;
      failed: number;
      durationMs: number | null;
      finishedAt: string | null;
    };
    // Not too often: each look is a request the server answers while the job runs on the same two cores.
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = (await (await fetch(`${base}/api/imports/${id}`, { headers })).json()) as typeof view;
    } while (view.status === 'queued' || view.status === 'processing');
    const wall = (Date.parse(view.finishedAt ?? '') - started) / 1000;
    const seconds = (view.durationMs ?? Number.NaN) / 1000;
    const cpuAtEnd = cpuSecondsOf(server.pid ?? 0);
    const cpuSince = (from: number | null) => (from === null || cpuAtEnd === null ? null : cpuAtEnd - from);
    server.kill('SIGTERM');
    await exited;
    const peaks = reported(stderr, '__bench_peak_rss_kb__');
    return {
      name,
      rows: view.total,
      seconds,
      rowsPerSecond: view.total / seconds,
      peakRssMb: peaks.length > 0 ? Math.round(Math.max(...peaks) / 1024) : null,
      note: `${view.status}; import job ${view.durationMs} ms after an upload of ${Math.round(uploadMs)} ms`,
      timing: {
        wall,
        job: seconds,
        cpu: cpuSince(cpuAtStart),
        upload: uploadMs / 1000,
        jobCpu: cpuSince(cpuAtJob),
      },
    };
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

async function withPostgresDatabase<T>(url: string, use: (databaseUrl: string) => Promise<T>): Promise<T | null> {
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `leadport_bench_${process.pid}`;
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

async function previewCase(dir: string, megabytes: number): Promise<CaseResult> {
  const rows = Math.round((megabytes * 1024 * 1024) / 95);
  const file = path.join(outDir, `preview-realistic-${rows}.csv`);
  const csv = await cached(file, () => writeLeadCsv(file, rows, 'realistic', 7));
  const url = `sqlite:${path.join(dir, 'preview.db')}`;
  const config = loadConfig({ DATABASE_URL: url, LEADPORT_MAX_UPLOAD_MB: String(megabytes * 2) });
  const store = await openStore(config);
  try {
    await applyFlow(store.db, BENCH_FLOW);
    const started = performance.now();
    const preview = await previewFile(store.db, config, { file: csv, flowId: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    const size = fs.statSync(csv).size / 1024 / 1024;
    return {
      name: `preview of a ${size.toFixed(0)} MB CSV`,
      rows: preview.sampleRows.length,
      seconds,
      rowsPerSecond: Number.NaN,
      peakRssMb: null,
      note: 'detection, mapping, first rows',
    };
  } finally {
    await store.close();
  }
}

/** The HTTP upload case against the CLI case, run one after the other on fresh databases. */
interface Pair {
  first: 'cli' | 'upload';
  /** The machine's 1-minute load average when the pair ended: other work competing for its cores. */
  load: number;
  cli: CaseResult;
  upload: CaseResult;
  /**
   * Upload case over CLI case in rows/s, so time CLI / time upload (above 1, the upload case is faster): of
   * the import jobs (the ratio the benchmark reports) and end to end (`ImportTiming.wall`).
   */
  ratios: { job: number; wall: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * `--alternate n`: the CLI import and the HTTP upload case n times each, the first of each pair alternating
 * (CLI, upload; upload, CLI; ...), so that load from elsewhere and a machine warming up fall on both alike.
 */
async function alternatePairs(csv: string, dir: string, count: number): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let index = 0; index < count; index++) {
    const first = index % 2 === 0 ? 'cli' : 'upload';
    process.stderr.write(`pair ${index + 1} of ${count}, ${first === 'cli' ? 'CLI' : 'upload'} first...\n`);
    const runCli = () => importCase('leadport import (SQLite)', csv, `sqlite:${path.join(dir, `cli-${index}.db`)}`);
    const runUpload = () =>
      uploadCase('HTTP upload -> import job (SQLite)', csv, `sqlite:${path.join(dir, `upload-${index}.db`)}`);
    let cli = first === 'cli' ? await runCli() : undefined;
    const upload = await runUpload();
    cli ??= await runCli();
    const cliTiming = cli.timing as ImportTiming;
    const uploadTiming = upload.timing as ImportTiming;
    pairs.push({
      first,
      load: os.loadavg()[0] ?? Number.NaN,
      cli,
      upload,
      ratios: { job: cliTiming.job / uploadTiming.job, wall: cliTiming.wall / uploadTiming.wall },
    });
    // The databases (with their -wal and -shm files) of this pair: ~70 MB each at 100k rows.
    for (const file of fs.readdirSync(dir)) fs.rmSync(path.join(dir, file), { force: true });
  }
  return pairs;
}

function pairTable(pairs: Pair[]): string {
  const seconds = (value: number | null | undefined) => (value == null ? '-' : value.toFixed(2));
  const header = [
    'pair',
    'first',
    'load',
    'CLI job s',
    'upload job s',
    'job ratio',
    'CLI wall s',
    'upload + job s',
    'of which upload',
    'wall ratio',
    'CLI CPU s',
    'upload + job CPU s',
    'of which job',
  ];
  const lines = pairs.map((pair, index) => [
    String(index + 1),
    pair.first,
    pair.load.toFixed(1),
    seconds(pair.cli.timing?.job),
    seconds(pair.upload.timing?.job),
    pair.ratios.job.toFixed(2),
    seconds(pair.cli.timing?.wall),
    seconds(pair.upload.timing?.wall),
    seconds(pair.upload.timing?.upload),
    pair.ratios.wall.toFixed(2),
    seconds(pair.cli.timing?.cpu),
    seconds(pair.upload.timing?.cpu),
    seconds(pair.upload.timing?.jobCpu),
  ]);
  const medians = [
    'median',
    '',
    '',
    '',
    '',
    median(pairs.map((pair) => pair.ratios.job)).toFixed(2),
    '',
    '',
    '',
    median(pairs.map((pair) => pair.ratios.wall)).toFixed(2),
  ];
  return aligned([header, ...lines, medians]);
}

function aligned(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((cells) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

function table(results: CaseResult[]): string {
  const header = ['case', 'rows', 'seconds', 'rows/s', 'vs bare', 'peak RSS', 'notes'];
  const lines = results.map((r) => [
    r.name,
    String(r.rows),
    r.seconds.toFixed(2),
    Number.isNaN(r.rowsPerSecond) ? '-' : Math.round(r.rowsPerSecond).toLocaleString('en-US'),
    r.ratioToBare === undefined ? '-' : r.ratioToBare.toFixed(2),
    r.peakRssMb === null ? '-' : `${r.peakRssMb} MB`,
    r.note ?? '',
  ]);
  return aligned([header, ...lines]);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  fs.mkdirSync(outDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-bench-'));
  try {
    // Every case reads the realistic file; the bare loop, pipeline and SQLite import also read the friendly
    // one, so that a cost that only shows on data we did not make cannot hide again.
    const leadCsv = (data: LeadData) => {
      const file = path.join(outDir, `leads-${data}-${options.rows}.csv`);
      return cached(file, () => writeLeadCsv(file, options.rows, data));
    };
    const csv = await leadCsv('realistic');
    if (options.alternate > 0) {
      const pairs = await alternatePairs(csv, dir, options.alternate);
      const medians = {
        job: median(pairs.map((pair) => pair.ratios.job)),
        wall: median(pairs.map((pair) => pair.ratios.wall)),
      };
      if (options.json)
        process.stdout.write(
          `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows: options.rows, medians, pairs }, null, 2)}\n`,
        );
      else
        process.stdout.write(
          `${pairTable(pairs)}\n\nratio = rows/s of the HTTP upload case / rows/s of the CLI case in the same pair (time CLI / time upload);\n` +
            `job: the import jobs' own durations; wall: upload + job against the CLI command from start to exit;\n` +
            `CPU: all threads, the CLI command's processes against the server's during upload + job\n`,
        );
      return;
    }
    const friendlyCsv = await leadCsv('friendly');
    const xlsxFile = path.join(outDir, `leads-realistic-${options.xlsxRows}.xlsx`);
    const xlsx = await cached(xlsxFile, () => writeLeadXlsx(xlsxFile, options.xlsxRows, 'realistic'));
    const results: CaseResult[] = [];
    const onFriendly = async (result: Promise<CaseResult>) => ({ ...(await result), data: 'friendly' as const });
    process.stderr.write('bare limit...\n');
    const bare = await bareCase('bare: papaparse + prepared INSERT (SQLite)', csv, dir);
    const friendlyBare = await onFriendly(
      bareCase('bare, friendly file: papaparse + prepared INSERT (SQLite)', friendlyCsv, dir),
    );
    results.push(bare, friendlyBare);
    process.stderr.write('storage floor...\n');
    results.push(await floorCase(options.rows, dir));
    process.stderr.write('pipeline only...\n');
    results.push(await evaluateCase('pipeline only: read + evaluate, no storage (one thread)', csv));
    results.push(
      await onFriendly(
        evaluateCase('pipeline only, friendly file: read + evaluate, no storage (one thread)', friendlyCsv),
      ),
    );
    process.stderr.write('leadport import on SQLite...\n');
    const cliImport = await importCase('leadport import (SQLite)', csv, `sqlite:${path.join(dir, 'leadport.db')}`);
    results.push(cliImport);
    process.stderr.write('HTTP upload and import job on SQLite...\n');
    const uploaded = await uploadCase(
      'HTTP upload -> import job (SQLite)',
      csv,
      `sqlite:${path.join(dir, 'leadport-upload.db')}`,
    );
    const cliWall = cliImport.timing?.wall ?? Number.NaN;
    const uploadWall = uploaded.timing?.wall ?? Number.NaN;
    uploaded.note =
      `${(uploaded.rowsPerSecond / cliImport.rowsPerSecond).toFixed(2)} of the CLI case; ${uploaded.note}; ` +
      `end to end ${(cliWall / uploadWall).toFixed(2)} (upload + job ${uploadWall.toFixed(2)} s, ` +
      `the CLI command from start to exit ${cliWall.toFixed(2)} s)`;
    results.push(uploaded);
    results.push(
      await onFriendly(
        importCase(
          'leadport import, friendly file (SQLite)',
          friendlyCsv,
          `sqlite:${path.join(dir, 'leadport-friendly.db')}`,
        ),
      ),
    );
    if (options.postgres) {
      process.stderr.write('psql \\copy and leadport import on PostgreSQL...\n');
      const pgResults = await withPostgresDatabase(options.postgres, async (url) => {
        const floor = await psqlCopyFloor(csv, url);
        const copied: CaseResult = {
          name: 'psql \\copy into an unindexed table (PostgreSQL)',
          rows: floor.rows,
          seconds: floor.ms / 1000,
          rowsPerSecond: floor.rows / (floor.ms / 1000),
          peakRssMb: null,
          note: "PostgreSQL's own limit for the file (bench/pg-copy-floor.ts)",
        };
        const imported = await importCase('leadport import (PostgreSQL)', csv, url);
        imported.note = `${(imported.rowsPerSecond / copied.rowsPerSecond).toFixed(3)} of psql \\copy; ${imported.note}`;
        return [copied, imported];
      });
      if (pgResults) results.push(...pgResults);
      else process.stderr.write('PostgreSQL is not reachable: skipped\n');
      if (pgResults) {
        // One import split into as many parts as worker processes (LEADPORT_IMPORT_PARTS), each in a fresh
        // database: what more workers do for one large import on this machine.
        const byWorkers: WorkersResult[] = [];
        for (const workers of [1, 2, 4]) {
          process.stderr.write(`one import, ${workers} worker process(es) on PostgreSQL...\n`);
          const measuredRun = await withPostgresDatabase(options.postgres, (url) => workersCase(csv, url, workers));
          if (measuredRun) byWorkers.push(measuredRun);
        }
        const one = byWorkers[0];
        for (const each of byWorkers)
          results.push({
            name: `leadport worker x${each.workers}, one import in ${each.workers} part(s) (PostgreSQL)`,
            rows: each.rows,
            seconds: each.seconds,
            rowsPerSecond: each.rows / each.seconds,
            peakRssMb: null,
            note: `${each.status}; ${one ? (one.seconds / each.seconds).toFixed(2) : '?'}x the one-worker speed; start request to end`,
          });
      }
    }
    process.stderr.write('leadport import of the XLSX on SQLite...\n');
    results.push(
      await importCase('leadport import XLSX (SQLite)', xlsx, `sqlite:${path.join(dir, 'leadport-xlsx.db')}`),
    );
    process.stderr.write('preview...\n');
    results.push(await previewCase(dir, options.previewMb));
    for (const result of results) {
      result.data ??= 'realistic';
      if (!Number.isNaN(result.rowsPerSecond))
        result.ratioToBare = result.rowsPerSecond / (result.data === 'friendly' ? friendlyBare : bare).rowsPerSecond;
    }
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      rows: options.rows,
      xlsxRows: options.xlsxRows,
      results,
    };
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else
      process.stdout.write(
        `${table(results)}\n\nratio = rows/s of the case / rows/s of the bare limit over the same file, measured in this run\n`,
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
