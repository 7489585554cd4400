import cliProgress from 'cli-progress';
import { AppError } from '../errors.js';
import type { ImportProgress, ImportSummary } from '../imports/import.service.js';
import type { Preview } from '../imports/preview.service.js';
import { delimiterName } from '../ingest/detect.js';

// What a terminal may act on instead of showing: C0 controls (TAB and line breaks too: a value must stay
// on its line), DEL, C1 controls (0x9B is a one-byte CSI), the Unicode line and paragraph separators, and
// the bidirectional overrides and isolates, which reorder what is shown. ESC (0x1B) is among the C0
// controls, so an escape sequence is shown as the text `\x1b[31m` and does nothing.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return (
    NAMED_ESCAPES[character] ??
    (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  );
}

/**
 * A value as the CLI may print it for people: control characters shown escaped (`\x1b`, `\n`), so a file
 * name, a cell or a flow name from a user can neither drive the terminal nor pass for other output.
 * Applying it twice changes nothing more: its output has no control characters.
 */
export function printable(value: unknown): string {
  return String(value).replace(UNPRINTABLE, escapeCharacter);
}

/** A template tag for human output: the literal text as written (tabs, padding), every value printable. */
export function shown(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((text, literal, index) => text + (index > 0 ? printable(values[index - 1]) : '') + literal, '');
}

/**
 * An error message for stderr: each of its lines printable. Line breaks are kept because messages list
 * problems one per line (an invalid flow); within a line every control character is escaped.
 */
export function printableMessage(message: string): string {
  return message.split('\n').map(printable).join('\n');
}

// JSON.stringify escapes C0 controls but not DEL, C1 or the Unicode separators and overrides; escaping them
// too (`\u009b`) is still the same JSON, and these characters can only occur inside its strings.
const JSON_UNESCAPED = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A value as indented JSON that is safe to print on a terminal. */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    JSON_UNESCAPED,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Parses `--map "Column=field,Other=,Extra=+custom_name"` into header -> field: null skips the column, and
 * `+name` asks for a new custom field of the flow (kept with its `+`; the import adds the field).
 */
export function parseMapOption(text: string): Record<string, string | null> {
  const mapping: Record<string, string | null> = Object.create(null);
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new AppError('bad_request', `--map: "${pair}" is not Column=field`);
    const field = pair
      .slice(at + 1)
      .trim()
      .replace(/^\+\s+/, '+');
    if (field.startsWith('+') && !/^\+[a-z][a-z0-9_]*$/.test(field)) {
      throw new AppError(
        'bad_request',
        `--map: "${field}" is not a new field name (+ then snake_case, such as +roof_type)`,
      );
    }
    mapping[pair.slice(0, at).trim()] = field === '' || field === 'skip' ? null : field;
  }
  return mapping;
}

/** A progress bar on stderr (only drawn on a terminal), fed by import progress callbacks. */
export function progressReporter(): { update: (progress: ImportProgress) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      format: 'importing [{bar}] {percentage}% | {rows} rows | {created} created, {failed} failed',
      stream: process.stderr,
      hideCursor: true,
    },
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
    dryRun
      ? shown`Dry run of import ${summary.importId}: nothing was stored.`
      : shown`Import ${summary.importId}: ${summary.status.replace(/_/g, ' ')}`,
    `  rows:       ${summary.total}`,
    `  created:    ${summary.created}`,
    `  updated:    ${summary.updated}`,
    `  failed:     ${summary.failed}`,
    `  duplicates: ${summary.duplicates}`,
    `  duration:   ${(summary.durationMs / 1000).toFixed(2)} s`,
  ];
  if (summary.failed > 0 && !dryRun)
    lines.push(shown`Failed rows with reasons: leadport imports failed ${summary.importId} > failed.csv`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Prints a preview for people: detections with evidence, the mapping, warnings and the first rows; every value printable. */
export function printPreview(preview: Preview): void {
  const lines: string[] = [];
  const say = (label: string, value: string, why?: string) =>
    lines.push(`${label.padEnd(10)} ${printable(value)}${why ? shown`  (${why})` : ''}`);
  say('format', preview.format, preview.evidence.format);
  if (preview.encoding) say('encoding', preview.encoding, preview.evidence.encoding);
  if (preview.delimiter) say('delimiter', delimiterName(preview.delimiter), preview.evidence.delimiter);
  say('header', preview.hasHeader ? 'yes' : 'no', preview.evidence.hasHeader);
  if (preview.sheets.length > 0)
    say('sheet', `${preview.sheet ?? ''} of ${preview.sheets.join(', ')}`, preview.evidence.sheet);
  if (preview.template)
    say(
      'template',
      preview.template.name,
      preview.template.how === 'fingerprint' ? 'its headers match this file' : 'chosen',
    );
  lines.push('', 'columns:');
  for (const column of preview.columns) {
    const target = column.field ? `${column.field} (${Math.round(column.confidence * 100)}%)` : 'skip';
    const check =
      column.sample && column.sample.invalid > 0
        ? shown`  ${column.sample.invalid} of ${column.sample.checked} sample values invalid, e.g. "${column.sample.examples[0]?.value}": ${column.sample.examples[0]?.issue}`
        : '';
    lines.push(
      `  ${printable(column.header).padEnd(28)} -> ${printable(target)}${column.note ? shown`  [${column.note}]` : ''}${check}`,
    );
  }
  for (const warning of preview.warnings) lines.push(shown`warning: ${warning}`);
  for (const problem of preview.problems) lines.push(shown`problem: ${problem}`);
  lines.push('', 'first rows:');
  for (const row of preview.sampleRows) lines.push(`  ${row.map(printable).join(' | ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
