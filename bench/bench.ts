import { execFile, spawn } from 'node:child_process';
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

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const rssHook = path.join(root, 'dist/bench/report-rss.js');
const bareScript = path.join(root, 'dist/bench/bare-insert.js');
const floorScript = path.join(root, 'dist/bench/storage-floor.js');
const evaluateScript = path.join(root, 'dist/bench/evaluate-only.js');
const outDir = path.join(root, 'bench/out');

interface Options {
  rows: number;
  xlsxRows: number;
  json: boolean;
  postgres: string | null;
  previewMb: number;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index === -1 ? undefined : argv[index + 1];
  };
  const rows = Number(value('--rows') ?? 100_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
  const postgres = argv.includes('--no-postgres')
    ? null
    : (process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  return {
    rows,
    xlsxRows: Number(value('--xlsx-rows') ?? Math.min(rows, 100_000)),
    json: argv.includes('--json'),
    postgres,
    previewMb: Number(value('--preview-mb') ?? 50),
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
}

/** Runs a node command with the RSS hook; returns stdout and the peak RSS it reported. */
async function measured(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; peakRssMb: number }> {
  const { stdout, stderr } = await run(process.execPath, ['--import', rssHook, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  // A command may run in a child process too (leadport import does): the peak is the largest reported.
  const peaks = [...stderr.matchAll(/__bench_peak_rss_kb__ (\d+)/g)].map((match) => Number(match[1]));
  return { stdout, peakRssMb: peaks.length > 0 ? Math.round(Math.max(...peaks) / 1024) : Number.NaN };
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
  await run(process.execPath, [bin, 'migrate'], { env: { ...process.env, ...env } });
  const store = await openStore(loadConfig(env));
  try {
    await applyFlow(store.db, BENCH_FLOW);
  } finally {
    await store.close();
  }
  const { stdout, peakRssMb } = await measured(
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
  };
}

/**
 * The same file through `leadport serve`: uploaded over HTTP (streamed into the database), started, and
 * imported by the server's job worker. Timed from the first byte of the upload to the job's end, so the
 * upload and the copy out of the database are counted against it.
 */
async function uploadCase(name: string, file: string, databaseUrl: string): Promise<CaseResult> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, LEADPORT_MAX_UPLOAD_MB: '1024', LOG_LEVEL: 'silent' };
  await run(process.execPath, [bin, 'migrate'], { env });
  const store = await openStore(loadConfig(env));
  try {
    await applyFlow(store.db, BENCH_FLOW);
  } finally {
    await store.close();
  }
  const key = (await run(process.execPath, [bin, 'keys', 'create', '--admin'], { env })).stdout.trim();
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
    const started = performance.now();
    const form = new FormData();
    form.set('flowId', 'bench');
    form.set('sourceId', 'bench-source');
    form.set('file', await fs.openAsBlob(file), path.basename(file));
    const upload = await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers });
    if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
    const { id } = (await upload.json()) as { id: string };
    const uploadMs = performance.now() - started;
    await fetch(`${base}/api/imports/${id}/start`, { method: 'POST', headers });
    let view: { status: string; total: number; created: number; failed: number; durationMs: number | null };
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = (await (await fetch(`${base}/api/imports/${id}`, { headers })).json()) as typeof view;
    } while (view.status === 'queued' || view.status === 'processing');
    const seconds = (performance.now() - started) / 1000;
    server.kill('SIGTERM');
    await exited;
    const peaks = [...stderr.matchAll(/__bench_peak_rss_kb__ (\d+)/g)].map((match) => Number(match[1]));
    return {
      name,
      rows: view.total,
      seconds,
      rowsPerSecond: view.total / seconds,
      peakRssMb: peaks.length > 0 ? Math.round(Math.max(...peaks) / 1024) : null,
      note: `${view.status}; upload ${Math.round(uploadMs)} ms, import job ${view.durationMs} ms`,
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
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
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
    uploaded.note = `${(uploaded.rowsPerSecond / cliImport.rowsPerSecond).toFixed(2)} of the CLI case; ${uploaded.note}`;
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
      process.stderr.write('leadport import on PostgreSQL...\n');
      const pgResult = await withPostgresDatabase(options.postgres, (url) =>
        importCase('leadport import (PostgreSQL)', csv, url),
      );
      if (pgResult) results.push(pgResult);
      else process.stderr.write('PostgreSQL is not reachable: skipped\n');
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
