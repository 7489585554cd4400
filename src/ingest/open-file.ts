import fs from 'node:fs';
import path from 'node:path';
import { AppError, fileError } from '../errors.js';
import { readCsvRecords } from './csv-reader.js';
import { DecodeStream } from './decode.js';
import {
  decodeHead,
  detectDelimiter,
  detectEncoding,
  detectFormat,
  excelSepLine,
  findMojibake,
  sniff,
} from './detect.js';
import { findHeaderRow } from './header-row.js';
import { fitRow, headerWidth, raggedWarnings, type FitCounts } from './ragged-rows.js';
import {
  generatedHeaders,
  uniqueHeaders,
  type FileFormat,
  type RawRecord,
  type ReadSettings,
  type TabularFile,
} from './tabular.js';

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

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.xlsx': 'xlsx',
  '.xls': 'xls',
};

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
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot read it (${code ?? 'unknown error'})`;
    throw fileError('file_unreadable', { file: name }, why);
  }
  if (!stat.isFile()) throw fileError('file_unreadable', { file: name }, 'not a regular file');
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw fileError('file_unreadable', { file: name }, 'permission denied');
  }
  if (stat.size > options.maxBytes) {
    throw fileError(
      'file_too_large',
      { file: name },
      `the file is ${formatBytes(stat.size)}; the limit is ${formatBytes(options.maxBytes)}`,
    );
  }
  const extension = path.extname(options.displayName ?? file).toLowerCase();
  if (!(extension in EXTENSIONS) && extension !== '') {
    throw fileError(
      'unsupported_format',
      { file: name },
      `unsupported file type "${extension}" (use .csv, .tsv, .txt, .xlsx or .xls)`,
    );
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
  evidence.format =
    expected === format || !expected
      ? `${format.toUpperCase()} content`
      : `the content is ${format.toUpperCase()} although the name ends in ${extension}`;
  if (expected && expected !== format)
    warnings.push(
      `${fileName} is named ${extension} but holds ${format.toUpperCase()} data; it is read as ${format.toUpperCase()}`,
    );

  const source =
    format === 'csv'
      ? await openText(file, fileName, size, extension, head, options, evidence, warnings)
      : await openWorkbook(file, fileName, format, options, evidence);
  return withHeader({ fileName, sizeBytes: size, hasHeader: options.hasHeader, evidence, warnings, ...source });
}

/** A format's records and what it knows about how they were read. */
type RecordSource = Pick<
  HeaderInput,
  'source' | 'settings' | 'sheets' | 'omitsTrailingCells' | 'sha256' | 'fractionRead'
>;

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
    const [{ inspectWorkbook }, { readXlsxRecords }] = await Promise.all([
      import('./zip-guard.js'),
      import('./xlsx-reader.js'),
    ]);
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
    omitsTrailingCells: true,
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
  let fallback = false;
  if (options.encoding) {
    encoding = options.encoding;
    evidence.encoding = 'chosen by the user';
  } else {
    const detected = detectEncoding(head, head.length >= size);
    encoding = detected.encoding;
    evidence.encoding = detected.evidence;
    fallback = detected.fallback;
  }
  let decoder: DecodeStream;
  try {
    decoder = new DecodeStream(encoding, { fallback });
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
  const mojibake = findMojibake(
    text
      .split(/\r\n|\n|\r/)
      .slice(0, 200)
      .map((line) => line.split(delimiter)),
  );
  if (mojibake) {
    warnings.push(
      `"${mojibake.trim()}" looks like garbled text (UTF-8 that was once opened as Windows-1252 and saved again); check the names before importing`,
    );
  }
  const bytes = fs.createReadStream(file);
  return {
    source: readCsvRecords({ text: bytes.pipe(decoder), fileName, delimiter, skipLines: sepLine ? 1 : 0 }),
    // Called once the head is read: a byte there that is not UTF-8 changed how the file is read.
    settings: (hasHeader) => ({
      format: 'csv',
      encoding: noteFallback(decoder, evidence, warnings) ?? encoding,
      delimiter,
      hasHeader,
      sheet: null,
    }),
    sheets: () => [],
    omitsTrailingCells: false,
    sha256: () => decoder.sha256,
    fractionRead: () => (size === 0 ? 1 : bytes.bytesRead / size),
  };
}

/**
 * When the head of a file detected as UTF-8 held a byte that is not (DecodeStream's fallback), says so in
 * the evidence and returns the encoding the file is now read in: windows-1252 when everything before that
 * byte was ASCII (a whole-file Windows-1252 reading), undefined (still utf-8) when it mixes encodings.
 */
function noteFallback(
  decoder: DecodeStream,
  evidence: Partial<Record<keyof ReadSettings, string>>,
  warnings: string[],
): string | undefined {
  const fallback = decoder.fallback;
  if (!fallback) return undefined;
  if (fallback.mode === 'windows-1252') {
    evidence.encoding = `not valid UTF-8 (at byte ${fallback.offset}); read as Windows-1252`;
    return 'windows-1252';
  }
  const note = `UTF-8 up to byte ${fallback.offset}, then bytes that are not: they are read as Windows-1252 characters`;
  if (!evidence.encoding?.includes(note)) {
    evidence.encoding = note;
    warnings.push(`the file mixes encodings (${note}); check the accented names`);
  }
  return undefined;
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
  /** Spreadsheets omit trailing empty cells: their short rows are padded without a warning. */
  readonly omitsTrailingCells: boolean;
  readonly sha256: () => string | null;
  readonly fractionRead: () => number;
}

/**
 * Non-blank records read before the header is chosen: enough for the header scan, the data rows below it
 * and the sample that previews and mapping look at.
 */
const LOOKAHEAD = 100;

/**
 * Splits the header row off a record stream (or generates names when the file has none) and returns the
 * TabularFile whose records() continues the same stream. The header may sit below title lines, which are
 * skipped (findHeaderRow); rows are fitted to the header's width (fitRow).
 */
async function withHeader(input: HeaderInput): Promise<TabularFile> {
  const { source, fileName } = input;
  // Reads on past the first batch: a text file's last record comes in a batch of its own when the file
  // has no final line break, and the header scan needs the rows below the header.
  const first: RawRecord[] = [];
  while (first.length < LOOKAHEAD) {
    const next = await source.next();
    if (next.done) break;
    for (const record of next.value) if (!isBlankRecord(record.cells)) first.push(record);
  }
  const headerIndex = chooseHeader(input, first);
  const headerRecord = headerIndex === null ? undefined : first[headerIndex];
  if (input.hasHeader !== false && first.length === 0) throw emptyFile(input);
  const preamble = headerIndex === null ? [] : first.slice(0, headerIndex);
  if (preamble.length > 0) {
    const lines = preamble.map((record) => `"${shorten(record.cells.filter((cell) => cell.trim() !== '').join(' '))}"`);
    input.warnings.push(
      `${preamble.length === 1 ? 'a line' : `${preamble.length} lines`} above the header ${preamble.length === 1 ? 'was' : 'were'} skipped: ${lines.join(', ')}`,
    );
  }
  const data = headerIndex === null ? first : first.slice(headerIndex + 1);
  const width = headerRecord
    ? headerWidth(
        headerRecord.cells,
        data.map((record) => record.cells),
      )
    : Math.max(0, ...data.map((record) => record.cells.length));
  const originalHeaders = headerRecord ? headerRecord.cells.slice(0, width) : [];
  const headers = headerRecord ? uniqueHeaders(originalHeaders) : generatedHeaders(width);
  const renamed = headers.filter((header, index) => header !== (originalHeaders[index] ?? '').trim());
  if (headerRecord && renamed.length > 0)
    input.warnings.push(`blank or repeated column names were renamed: ${renamed.join(', ')}`);
  const counts: FitCounts = { fits: 0, padded: 0, trimmed: 0, too_wide: 0 };
  let firstTooWide: string | undefined;
  const sample = data.map((record) => {
    const { cells, fit } = fitRow(record.cells, width);
    counts[fit]++;
    if (fit === 'too_wide' && !firstTooWide) firstTooWide = `${recordLabel(record)} has ${cells.length} fields`;
    return cells === record.cells ? record : { ...record, cells };
  });
  if (!input.omitsTrailingCells) input.warnings.push(...raggedWarnings(counts, sample.length, width, firstTooWide));
  let used = false;
  return {
    fileName,
    sizeBytes: input.sizeBytes,
    settings: input.settings(headerRecord !== undefined),
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
        for (const record of batch) {
          if (isBlankRecord(record.cells)) continue;
          const { cells } = fitRow(record.cells, width);
          kept.push(cells === record.cells ? record : { ...record, cells });
        }
        if (kept.length > 0) yield kept;
      }
    },
    sha256: input.sha256,
    fractionRead: input.fractionRead,
    close: () => void source.return(undefined),
  };
}

/**
 * The index of the header among the first records, or null without one, with its evidence. A header the
 * user asked for is still looked for below title lines, so that an import reopening a previewed file
 * (hasHeader forced to what the preview found) skips the same lines.
 */
function chooseHeader(input: HeaderInput, first: readonly RawRecord[]): number | null {
  if (input.hasHeader === false) {
    input.evidence.hasHeader = 'chosen by the user';
    return null;
  }
  const choice = findHeaderRow(
    first.map((record) => record.cells),
    (index) => recordLabel(first[index]),
  );
  if (input.hasHeader === undefined) {
    input.evidence.hasHeader = choice.evidence;
    return choice.index;
  }
  input.evidence.hasHeader = choice.index ? `chosen by the user; ${choice.evidence}` : 'chosen by the user';
  return choice.index ?? 0;
}

/** The error for a file or sheet without a single row; a workbook's names its sheets, so another can be chosen. */
function emptyFile(input: HeaderInput): AppError {
  const sheets = input.sheets();
  if (sheets.length === 0)
    return fileError('file_malformed', { file: input.fileName }, 'the file is empty (no header row)');
  const others = sheets.length > 1 ? `; the workbook's sheets: ${sheets.join(', ')}; choose one with --sheet` : '';
  return new AppError(
    'file_malformed',
    `${input.fileName}: sheet "${input.settings(true).sheet ?? ''}" is empty (no header row)${others}`,
    { file: input.fileName, sheets: [...sheets] },
  );
}

/** "line 4" for text files, "row 4" for spreadsheets. */
function recordLabel(record: RawRecord | undefined): string {
  if (!record) return 'the first row';
  return record.line !== undefined ? `line ${record.line}` : `row ${record.recordNumber}`;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A record whose cells are all empty (a blank line, or a row Excel left behind): skipped, not an error. */
export function isBlankRecord(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}
