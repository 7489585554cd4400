import fs from 'node:fs';
import path from 'node:path';
import { AppError, fileError } from '../errors.js';
import { readCsvRecords } from './csv-reader.js';
import { DecodeStream } from './decode.js';
import { decodeHead, detectDelimiter, detectEncoding, detectFormat, detectHeader, excelSepLine, findMojibake, sniff } from './detect.js';
import { generatedHeaders, uniqueHeaders, type FileFormat, type RawRecord, type ReadSettings, type TabularFile } from './tabular.js';

/** What the user may force instead of detecting it. */
export interface ReadOverrides {
  readonly encoding?: string | undefined;
  readonly delimiter?: string | undefined;
  readonly hasHeader?: boolean | undefined;
  readonly sheet?: string | undefined;
}

export interface OpenOptions extends ReadOverrides {
  readonly maxBytes: number;
  /** The name shown in messages (an upload's original name); the path's base name by default. */
  readonly displayName?: string | undefined;
}

const EXTENSIONS: Record<string, FileFormat> = { '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.xlsx': 'xlsx', '.xls': 'xls' };

/** Sizes for people: bytes, KB or MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Checks the file exists, is a file, is within the size limit, and has a supported extension. */
export function checkFile(file: string, options: OpenOptions): { size: number; extension: string } {
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
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw fileError('file_unreadable', { file: name }, 'permission denied');
  }
  if (stat.size > options.maxBytes) {
    throw fileError('file_too_large', { file: name }, `the file is ${formatBytes(stat.size)}; the limit is ${formatBytes(options.maxBytes)}`);
  }
  const extension = path.extname(options.displayName ?? file).toLowerCase();
  if (!(extension in EXTENSIONS) && extension !== '') {
    throw fileError('unsupported_format', { file: name }, `unsupported file type "${extension}" (use .csv, .tsv, .txt, .xlsx or .xls)`);
  }
  return { size: stat.size, extension };
}

/**
 * Opens a lead file for streaming: detects its format from its bytes, then (for text) its encoding,
 * delimiter and an Excel `sep=` line, and whether the first row is a header. Every detection can be
 * overridden and every choice comes with its evidence.
 */
export async function openTabularFile(file: string, options: OpenOptions): Promise<TabularFile> {
  const fileName = options.displayName ?? path.basename(file);
  const { size, extension } = checkFile(file, options);
  const head = sniff(file);
  const guess = detectFormat(head);
  if (guess.format === null) throw fileError('unsupported_format', { file: fileName }, guess.why);
  const format = guess.format;
  const evidence: Partial<Record<keyof ReadSettings, string>> = {};
  const warnings: string[] = [];
  const expected = EXTENSIONS[extension];
  evidence.format = expected === format || !expected ? `${format.toUpperCase()} content` : `the content is ${format.toUpperCase()} although the name ends in ${extension}`;
  if (expected && expected !== format) warnings.push(`${fileName} is named ${extension} but holds ${format.toUpperCase()} data; it is read as ${format.toUpperCase()}`);

  const source = format === 'csv' ? await openText(file, fileName, size, extension, head, options, evidence, warnings) : await openWorkbook(file, fileName, format, options, evidence);
  return withHeader({ fileName, sizeBytes: size, hasHeader: options.hasHeader, evidence, warnings, ...source });
}

/** A format's records and what it knows about how they were read. */
type RecordSource = Pick<HeaderInput, 'source' | 'settings' | 'sheets' | 'padRows' | 'sha256' | 'fractionRead'>;

async function openWorkbook(
  file: string,
  fileName: string,
  format: 'xlsx' | 'xls',
  options: OpenOptions,
  evidence: Partial<Record<keyof ReadSettings, string>>,
): Promise<RecordSource> {
  let sheets: string[] = [];
  let chosenSheet = options.sheet ?? null;
  const onSheets = (names: string[], chosen: string) => {
    sheets = names;
    chosenSheet = chosen;
  };
  // The spreadsheet libraries are large: load them only for spreadsheets (CLI start-up stays quick).
  let source: AsyncGenerator<RawRecord[]>;
  if (format === 'xlsx') {
    const [{ inspectWorkbook }, { readXlsxRecords }] = await Promise.all([import('./zip-guard.js'), import('./xlsx-reader.js')]);
    await inspectWorkbook(file, fileName);
    source = readXlsxRecords({ file, fileName, sheet: options.sheet, onSheets });
  } else {
    const { readXlsRecords } = await import('./xls-reader.js');
    source = readXlsRecords({ file, fileName, sheet: options.sheet, onSheets });
  }
  evidence.sheet = options.sheet ? 'chosen by the user' : 'the first sheet of the workbook';
  return {
    source,
    settings: (hasHeader) => ({ format, encoding: null, delimiter: null, hasHeader, sheet: chosenSheet }),
    sheets: () => sheets,
    padRows: true,
    sha256: () => null,
    fractionRead: () => 0,
  };
}

async function openText(
  file: string,
  fileName: string,
  size: number,
  extension: string,
  head: Buffer,
  options: OpenOptions,
  evidence: Partial<Record<keyof ReadSettings, string>>,
  warnings: string[],
): Promise<RecordSource> {
  let encoding: string;
  if (options.encoding) {
    encoding = options.encoding;
    evidence.encoding = 'chosen by the user';
  } else {
    const detected = await detectEncoding(file, head);
    encoding = detected.encoding;
    evidence.encoding = detected.evidence;
  }
  let decoder: DecodeStream;
  try {
    decoder = new DecodeStream(encoding);
  } catch {
    throw new AppError('bad_request', `unknown encoding "${encoding}" (try utf-8, utf-16le, windows-1252)`);
  }
  const text = decodeHead(head, encoding);
  const sepLine = excelSepLine(text);
  let delimiter: string;
  if (options.delimiter) {
    delimiter = options.delimiter;
    evidence.delimiter = 'chosen by the user';
  } else if (sepLine) {
    delimiter = sepLine;
    evidence.delimiter = `the file's first line says sep=${sepLine}`;
  } else if (extension === '.tsv') {
    delimiter = '\t';
    evidence.delimiter = 'the .tsv extension';
  } else {
    const guess = detectDelimiter(text);
    delimiter = guess.delimiter;
    evidence.delimiter = guess.evidence;
  }
  const mojibake = findMojibake(text.split(/\r\n|\n|\r/).slice(0, 200).map((line) => line.split(delimiter)));
  if (mojibake) {
    warnings.push(`"${mojibake.trim()}" looks like garbled text (UTF-8 that was once opened as Windows-1252 and saved again); check the names before importing`);
  }
  const bytes = fs.createReadStream(file);
  return {
    source: readCsvRecords({ text: bytes.pipe(decoder), fileName, delimiter, skipLines: sepLine ? 1 : 0 }),
    settings: (hasHeader) => ({ format: 'csv', encoding, delimiter, hasHeader, sheet: null }),
    sheets: () => [],
    padRows: false,
    sha256: () => decoder.sha256,
    fractionRead: () => (size === 0 ? 1 : bytes.bytesRead / size),
  };
}

interface HeaderInput {
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly source: AsyncGenerator<RawRecord[]>;
  /** Forced by the user, or undefined to detect from the first row. */
  readonly hasHeader: boolean | undefined;
  readonly settings: (hasHeader: boolean) => ReadSettings;
  readonly sheets: () => readonly string[];
  readonly evidence: Partial<Record<keyof ReadSettings, string>>;
  readonly warnings: string[];
  /** Spreadsheets omit trailing empty cells: pad rows to the header's width instead of calling them ragged. */
  readonly padRows: boolean;
  readonly sha256: () => string | null;
  readonly fractionRead: () => number;
}

/**
 * Splits the header row off a record stream (or generates names when the file has none) and returns the
 * TabularFile whose records() continues the same stream.
 */
async function withHeader(input: HeaderInput): Promise<TabularFile> {
  const { source, fileName } = input;
  let first: RawRecord[] = [];
  while (first.length === 0) {
    const next = await source.next();
    if (next.done) break;
    first = next.value.filter((record) => !isBlankRecord(record.cells));
  }
  let hasHeader = input.hasHeader;
  if (hasHeader === undefined) {
    const guess = detectHeader(first[0]?.cells);
    hasHeader = guess.hasHeader;
    input.evidence.hasHeader = guess.evidence;
  } else {
    input.evidence.hasHeader = 'chosen by the user';
  }
  const headerRecord = hasHeader ? first.shift() : undefined;
  if (hasHeader && !headerRecord) throw fileError('file_malformed', { file: fileName }, 'the file is empty (no header row)');
  const originalHeaders = headerRecord ? trimTrailingBlanks(headerRecord.cells, input.padRows) : [];
  const width = headerRecord ? originalHeaders.length : Math.max(0, ...first.map((record) => record.cells.length));
  const headers = headerRecord ? uniqueHeaders(originalHeaders) : generatedHeaders(width);
  const renamed = headers.filter((header, index) => header !== (originalHeaders[index] ?? '').trim());
  if (headerRecord && renamed.length > 0) input.warnings.push(`blank or repeated column names were renamed: ${renamed.join(', ')}`);
  const shape = (record: RawRecord): RawRecord => (input.padRows ? { ...record, cells: fitCells(record.cells, width) } : record);
  const sample = first.map(shape);
  let used = false;
  return {
    fileName,
    sizeBytes: input.sizeBytes,
    settings: input.settings(hasHeader),
    get sheets() {
      return input.sheets();
    },
    headers,
    originalHeaders,
    evidence: input.evidence,
    warnings: input.warnings,
    sample,
    async *records() {
      if (used) throw new Error('records() may be iterated once');
      used = true;
      if (sample.length > 0) yield sample;
      for await (const batch of source) {
        const kept: RawRecord[] = [];
        for (const record of batch) if (!isBlankRecord(record.cells)) kept.push(shape(record));
        if (kept.length > 0) yield kept;
      }
    },
    sha256: input.sha256,
    fractionRead: input.fractionRead,
    close: () => void source.return(undefined),
  };
}

function trimTrailingBlanks(cells: string[], enabled: boolean): string[] {
  if (!enabled) return cells;
  let end = cells.length;
  while (end > 0 && (cells[end - 1] ?? '').trim() === '') end--;
  return cells.slice(0, end);
}

// Pads a spreadsheet row to the header's width; cells past it are kept only when they hold something.
function fitCells(cells: string[], width: number): string[] {
  if (cells.length === width) return cells;
  if (cells.length < width) return cells.concat(Array<string>(width - cells.length).fill(''));
  const extra = cells.slice(width);
  return extra.every((cell) => cell.trim() === '') ? cells.slice(0, width) : cells;
}

/** A record whose cells are all empty (a blank line, or a row Excel left behind): skipped, not an error. */
export function isBlankRecord(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}
