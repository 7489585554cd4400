import fs from 'node:fs';
import path from 'node:path';
import { AppError, fileError } from '../errors.js';
import { readCsvRecords } from './csv-reader.js';
import { DecodeStream } from './decode.js';
import { generatedHeaders, uniqueHeaders, type FileFormat, type RawRecord, type ReadSettings, type TabularFile } from './tabular.js';

/** What the user may force instead of detecting it. */
export interface ReadOverrides {
  readonly encoding?: string;
  readonly delimiter?: string;
  readonly hasHeader?: boolean;
  readonly sheet?: string;
}

export interface OpenOptions extends ReadOverrides {
  readonly maxBytes: number;
  /** The name shown in messages (an upload's original name); the path's base name by default. */
  readonly displayName?: string;
}

const TEXT_EXTENSIONS = new Set(['.csv', '.tsv', '.txt']);

/** Checks the file exists, is a file, is within the size limit, and has a supported extension. */
export function checkFile(file: string, options: OpenOptions): { size: number; format: FileFormat } {
  const name = options.displayName ?? path.basename(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? 'unknown error'})`;
    throw fileError('file_unreadable', { file: name }, why);
  }
  if (!stat.isFile()) throw fileError('file_unreadable', { file: name }, 'not a regular file');
  if (stat.size > options.maxBytes) {
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    throw fileError('file_too_large', { file: name }, `the file is ${mb(stat.size)}; the limit is ${mb(options.maxBytes)}`);
  }
  const extension = path.extname(file).toLowerCase();
  if (TEXT_EXTENSIONS.has(extension) || extension === '') return { size: stat.size, format: 'csv' };
  throw fileError('unsupported_format', { file: name }, `unsupported file type "${extension}" (use .csv, .tsv or .txt)`);
}

/** Opens a lead file for streaming: detects how to read it, reads the header row, and hands out the records. */
export async function openTabularFile(file: string, options: OpenOptions): Promise<TabularFile> {
  const fileName = options.displayName ?? path.basename(file);
  const { format, size } = checkFile(file, options);
  const extension = path.extname(file).toLowerCase();
  const encoding = options.encoding ?? 'utf-8';
  let decoder: DecodeStream;
  try {
    decoder = new DecodeStream(encoding);
  } catch {
    throw new AppError('bad_request', `unknown encoding "${encoding}"`);
  }
  const delimiter = options.delimiter ?? (extension === '.tsv' ? '\t' : undefined);
  const bytes = fs.createReadStream(file);
  const text = bytes.pipe(decoder);
  const records = readCsvRecords({ text, fileName, ...(delimiter ? { delimiter } : {}) });
  const settings: ReadSettings = { format, encoding, delimiter: delimiter ?? null, hasHeader: options.hasHeader ?? true, sheet: null };
  return withHeader(fileName, settings, [], records, {
    sizeBytes: size,
    sha256: () => decoder.sha256,
    fractionRead: () => (size === 0 ? 1 : bytes.bytesRead / size),
  });
}

/**
 * Splits the header row off a record stream (or generates names when the file has none) and returns the
 * TabularFile whose records() continues the same stream.
 */
export async function withHeader(
  fileName: string,
  settings: ReadSettings,
  sheets: readonly string[],
  source: AsyncGenerator<RawRecord[]>,
  reading: Pick<TabularFile, 'sha256' | 'fractionRead' | 'sizeBytes'>,
): Promise<TabularFile> {
  let first: RawRecord[] = [];
  while (first.length === 0) {
    const next = await source.next();
    if (next.done) break;
    first = next.value.filter((record) => !isBlankRecord(record.cells));
  }
  const headerRecord = settings.hasHeader ? first.shift() : undefined;
  if (settings.hasHeader && !headerRecord) throw fileError('file_malformed', { file: fileName }, 'the file is empty (no header row)');
  const originalHeaders = headerRecord?.cells ?? [];
  const width = headerRecord ? originalHeaders.length : Math.max(0, ...first.map((record) => record.cells.length));
  const headers = headerRecord ? uniqueHeaders(originalHeaders) : generatedHeaders(width);
  let used = false;
  return {
    fileName,
    sizeBytes: reading.sizeBytes,
    settings,
    sheets,
    headers,
    originalHeaders,
    async *records() {
      if (used) throw new Error('records() may be iterated once');
      used = true;
      if (first.length > 0) yield first;
      for await (const batch of source) {
        const kept = batch.filter((record) => !isBlankRecord(record.cells));
        if (kept.length > 0) yield kept;
      }
    },
    sha256: reading.sha256,
    fractionRead: reading.fractionRead,
    close: () => void source.return(undefined),
  };
}

/** A record whose cells are all empty (a blank line, or a row Excel left behind): skipped, not an error. */
export function isBlankRecord(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}
