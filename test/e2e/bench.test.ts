import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

// `npm run bench` on a tiny file: every case runs and reports; speed is never asserted here.
describe('npm run bench', () => {
  it('runs every case side by side and reports rows/s, ratios and peak RSS as JSON', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(root, 'dist/bench/bench.js'),
        '--rows',
        '400',
        '--xlsx-rows',
        '200',
        '--preview-mb',
        '1',
        '--no-postgres',
        '--json',
      ],
      {
        cwd: root,
        env: { ...process.env, LOG_LEVEL: 'silent' },
      },
    );
    const report = JSON.parse(stdout) as {
      rows: number;
      results: {
        name: string;
        rows: number;
        rowsPerSecond: number | null;
        ratioToBare?: number;
        peakRssMb: number | null;
        note?: string;
        data: string;
      }[];
    };
    expect(report.rows).toBe(400);
    const byName = new Map(report.results.map((result) => [result.name.split(':')[0], result]));
    expect([...byName.keys()]).toEqual([
      'bare',
      'bare, friendly file',
      'storage floor',
      'pipeline only',
      'pipeline only, friendly file',
      'leadport import (SQLite)',
      'HTTP upload -> import job (SQLite)',
      'leadport import, friendly file (SQLite)',
      'leadport import XLSX (SQLite)',
      'preview of a 1 MB CSV',
    ]);
    expect(byName.get('bare')).toMatchObject({ rows: 400, ratioToBare: 1, data: 'realistic' });
    // The friendly file's cases are measured against the bare loop over that file.
    expect(byName.get('bare, friendly file')).toMatchObject({ rows: 400, ratioToBare: 1, data: 'friendly' });
    for (const name of [
      'storage floor',
      'pipeline only',
      'pipeline only, friendly file',
      'leadport import (SQLite)',
      'HTTP upload -> import job (SQLite)',
      'leadport import, friendly file (SQLite)',
    ]) {
      const result = byName.get(name);
      expect(result?.rows).toBe(400);
      expect(result?.ratioToBare).toBeGreaterThan(0);
      expect(result?.peakRssMb).toBeGreaterThan(0);
    }
    const xlsx = byName.get('leadport import XLSX (SQLite)');
    for (const name of ['leadport import (SQLite)', 'leadport import, friendly file (SQLite)'])
      expect(byName.get(name)?.note).toMatch(/^\d+ created, \d+ failed, \d+ duplicates$/);
    expect(xlsx).toMatchObject({ rows: 200 });
    // The upload case is compared with the CLI case of the same run: import job against import job, and end
    // to end (upload + job against the CLI command from start to exit).
    expect(byName.get('HTTP upload -> import job (SQLite)')?.note).toMatch(
      /^\d+\.\d\d of the CLI case; completed.*; end to end \d+\.\d\d /,
    );
  }, 120_000);

  it('--alternate runs the CLI and the upload case in pairs, alternating which goes first', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(root, 'dist/bench/bench.js'), '--rows', '400', '--alternate', '2', '--json'],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    interface Timed {
      rows: number;
      seconds: number;
      timing: { wall: number; job: number; cpu: number | null; upload?: number; jobCpu?: number | null };
    }
    const report = JSON.parse(stdout) as {
      medians: { job: number; wall: number };
      pairs: { first: string; cli: Timed; upload: Timed; ratios: { job: number; wall: number } }[];
    };
    expect(report.pairs.map((pair) => pair.first)).toEqual(['cli', 'upload']);
    for (const { cli, upload, ratios } of report.pairs) {
      expect([cli.rows, upload.rows]).toEqual([400, 400]);
      // Both cases' rows/s are their import jobs' own durations; the upload is timed beside the job.
      expect(cli.seconds).toBe(cli.timing.job);
      expect(upload.seconds).toBe(upload.timing.job);
      expect(upload.timing.upload).toBeGreaterThan(0);
      expect(ratios.job).toBeCloseTo(cli.timing.job / upload.timing.job);
      expect(ratios.wall).toBeCloseTo(cli.timing.wall / upload.timing.wall);
    }
    expect(report.medians.job).toBeGreaterThan(0);
  }, 120_000);
});
