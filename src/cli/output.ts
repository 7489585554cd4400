import cliProgress from 'cli-progress';
import { AppError } from '../errors.js';
import type { ImportProgress, ImportSummary } from '../imports/import.service.js';
import type { Preview } from '../imports/preview.service.js';
import { delimiterName } from '../ingest/detect.js';

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

/** Prints a preview for people: detections with evidence, the mapping, warnings and the first rows. */
export function printPreview(preview: Preview): void {
  const lines: string[] = [];
  const say = (label: string, value: string, why?: string) => lines.push(`${label.padEnd(10)} ${value}${why ? `  (${why})` : ''}`);
  say('format', preview.format, preview.evidence.format);
  if (preview.encoding) say('encoding', preview.encoding, preview.evidence.encoding);
  if (preview.delimiter) say('delimiter', delimiterName(preview.delimiter), preview.evidence.delimiter);
  say('header', preview.hasHeader ? 'yes' : 'no', preview.evidence.hasHeader);
  if (preview.sheets.length > 0) say('sheet', `${preview.sheet ?? ''} of ${preview.sheets.join(', ')}`, preview.evidence.sheet);
  if (preview.template) say('template', preview.template.name, preview.template.how === 'fingerprint' ? 'its headers match this file' : 'chosen');
  lines.push('', 'columns:');
  for (const column of preview.columns) {
    const target = column.field ? `${column.field} (${Math.round(column.confidence * 100)}%)` : 'skip';
    const check = column.sample && column.sample.invalid > 0 ? `  ${column.sample.invalid} of ${column.sample.checked} sample values invalid, e.g. "${column.sample.examples[0]?.value}": ${column.sample.examples[0]?.issue}` : '';
    lines.push(`  ${column.header.padEnd(28)} -> ${target}${column.note ? `  [${column.note}]` : ''}${check}`);
  }
  for (const warning of preview.warnings) lines.push(`warning: ${warning}`);
  for (const problem of preview.problems) lines.push(`problem: ${problem}`);
  lines.push('', 'first rows:');
  for (const row of preview.sampleRows) lines.push(`  ${row.join(' | ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
