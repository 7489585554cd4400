import cliProgress from 'cli-progress';
import { AppError } from '../errors.js';
import type { ImportProgress, ImportSummary } from '../imports/import.service.js';

/** Parses `--map "Column=field,Other="` into header -> field (null skips the column). */
export function parseMapOption(text: string): Record<string, string | null> {
  const mapping: Record<string, string | null> = Object.create(null);
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new AppError('bad_request', `--map: "${pair}" is not Column=field`);
    const field = pair.slice(at + 1).trim();
    mapping[pair.slice(0, at).trim()] = field === '' || field === 'skip' ? null : field;
  }
  return mapping;
}

/** A progress bar on stderr (only drawn on a terminal), fed by import progress callbacks. */
export function progressReporter(): { update: (progress: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { format: 'importing [{bar}] {percentage}% | {rows} rows | {created} created, {failed} failed', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(progress) {
      const payload = { rows: progress.total, created: progress.created, failed: progress.failed };
      if (!started) {
        bar.start(100, 0, payload);
        started = true;
      }
      bar.update(Math.round(progress.fractionRead * 100), payload);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

/** Prints the readable import summary. */
export function printImportSummary(summary: ImportSummary, dryRun: boolean): void {
  const lines = [
    dryRun ? `Dry run of import ${summary.importId}: nothing was stored.` : `Import ${summary.importId}: ${summary.status.replace(/_/g, ' ')}`,
    `  rows:       ${summary.total}`,
    `  created:    ${summary.created}`,
    `  updated:    ${summary.updated}`,
    `  failed:     ${summary.failed}`,
    `  duplicates: ${summary.duplicates}`,
    `  duration:   ${(summary.durationMs / 1000).toFixed(2)} s`,
  ];
  if (summary.failed > 0 && !dryRun) lines.push(`Failed rows with reasons: leadport imports failed ${summary.importId} > failed.csv`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
