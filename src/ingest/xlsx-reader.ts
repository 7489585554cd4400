import ExcelJS from 'exceljs';
import { fileError } from '../errors.js';
import { SharedStrings } from './shared-strings.js';
import { dateText, type RawRecord } from './tabular.js';

const BATCH = 500;

export interface XlsxReadOptions {
  readonly file: string;
  readonly fileName: string;
  /** The sheet to read; the workbook's first sheet when omitted. */
  readonly sheet?: string | undefined;
  /** Told the workbook's sheet names and the chosen one, as soon as they are known. */
  readonly onSheets?: (names: string[], chosen: string) => void;
}

interface SheetModel {
  name: string;
  state?: string;
}

/** What WorkbookReader.parse() yields: worksheets and hyperlinks as events, shared strings as below. */
interface ReaderEvent {
  eventType?: string;
  value?: unknown;
  index?: unknown;
  text?: unknown;
}

/**
 * The text of a shared string yielded by parse(), or undefined for other events. exceljs 4.4 yields shared
 * strings bare ({ index, text }) where its own read() expects { eventType: 'shared-strings', value };
 * both shapes are accepted, in table order.
 */
function sharedStringText(event: ReaderEvent): unknown {
  if (event.eventType === 'shared-strings') return (event.value as { text?: unknown } | undefined)?.text;
  if (event.eventType === undefined && typeof event.index === 'number') return event.text;
  return undefined;
}

/**
 * Streams one sheet of an XLSX workbook with exceljs's WorkbookReader, so memory does not grow with the
 * sheet. Cells come out as the text a user saw: dates as yyyy-mm-dd (1900 and 1904 systems), numbers
 * without exponent notation, zero-padded number formats (ZIP codes) padded, text cells as they are.
 * Shared strings are emitted rather than cached by exceljs and kept in a compact table (SharedStrings);
 * exceljs then parks each sheet in a temporary file and reads it after the rest of the zip. So the sheet
 * list, the styles (number formats make dates) and the whole table are known before any row is read,
 * whatever order the zip holds them in: with exceljs's cache, a sheet met after the shared strings but
 * before the workbook part failed to read.
 */
export async function* readXlsxRecords(options: XlsxReadOptions): AsyncGenerator<RawRecord[]> {
  for (let attempt = 1; ; attempt++) {
    let started = false;
    try {
      for await (const batch of readSheetOnce(options)) {
        started = true;
        yield batch;
      }
      return;
    } catch (error) {
      if (started || attempt >= 3 || !lostWorkbookPart(error)) throw error;
    }
  }
}

/**
 * exceljs's streaming reader sometimes loses a zip's last entry (exceljs issue #3064, open). When that
 * entry is the workbook part, as exceljs's own writer stores it, reading a sheet fails with "Cannot read
 * properties of undefined (reading 'sheets')" before any row: seen in 1 of ~235 reads of a small workbook
 * on Node 20, more often on newer Node. The read is simply tried again.
 */
function lostWorkbookPart(error: unknown): boolean {
  const message = (error as { message?: string })?.message ?? '';
  return message.includes("(reading 'sheets')");
}

async function* readSheetOnce(options: XlsxReadOptions): AsyncGenerator<RawRecord[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(options.file, {
    sharedStrings: 'emit',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const strings = new SharedStrings();
  let announced = false;
  let chosen: string | undefined;
  let found = false;
  try {
    for await (const event of reader.parse() as unknown as AsyncIterable<ReaderEvent>) {
      const shared = sharedStringText(event);
      if (shared !== undefined) {
        strings.add(cellText(shared));
        continue;
      }
      if (event.eventType !== 'worksheet') continue;
      const worksheet = event.value as ExcelJS.stream.xlsx.WorksheetReader;
      const sheets = ((reader as unknown as { model?: { sheets?: SheetModel[] } }).model?.sheets ?? []).map((sheet) => sheet.name);
      if (!announced) {
        chosen = options.sheet ?? sheets[0];
        if (options.sheet && !sheets.includes(options.sheet)) {
          throw fileError('file_malformed', { file: options.fileName }, `there is no sheet "${options.sheet}" (sheets: ${sheets.join(', ')})`);
        }
        options.onSheets?.(sheets, chosen ?? '');
        announced = true;
      }
      const name = (worksheet as unknown as { name?: string }).name;
      if (name !== chosen) {
        await skipSheet(worksheet);
        continue;
      }
      found = true;
      let batch: RawRecord[] = [];
      for await (const row of worksheet) {
        batch.push({ cells: rowCells(row, strings), recordNumber: row.number });
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      return;
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'file_malformed') throw error;
    throw fileError('file_malformed', { file: options.fileName }, `not a readable Excel workbook (${(error as Error).message})`);
  } finally {
    strings.close();
  }
  if (!announced) options.onSheets?.([], '');
  if (!found && announced) throw fileError('file_malformed', { file: options.fileName }, `sheet "${chosen ?? ''}" has no data`);
}

/**
 * Reads past a sheet that was not chosen. exceljs deletes a parked sheet's temporary file as soon as the
 * next sheet is asked for; a sheet left unread has its file stream still opening then, which fails with
 * ENOENT and no listener, and that crashes the process (seen once in the CLI tests).
 */
async function skipSheet(worksheet: AsyncIterable<unknown>): Promise<void> {
  for await (const row of worksheet) void row;
}

function rowCells(row: ExcelJS.Row, strings: SharedStrings): string[] {
  const values = row.values as unknown[];
  const cells: string[] = [];
  for (let column = 1; column < values.length; column++) {
    const value = values[column];
    if (value === undefined || value === null) cells.push('');
    else if (typeof value === 'object' && 'sharedString' in value) cells.push(strings.get((value as { sharedString: number }).sharedString) ?? '');
    else cells.push(cellText(value, row.getCell(column).numFmt));
  }
  return cells;
}

/** The text of one exceljs cell value. */
export function cellText(value: unknown, numFmt?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value, numFmt);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.richText)) return (object.richText as { text?: string }[]).map((part) => part.text ?? '').join('');
    if ('result' in object) return cellText(object.result, numFmt);
    if ('formula' in object || 'sharedFormula' in object) return '';
    if (typeof object.text === 'string') return object.text;
    if (typeof object.error === 'string') return object.error;
  }
  return String(value);
}

/** Formats a number as Excel showed it in a text-like way: no exponent, zero-padded formats padded. */
export function numberText(value: number, numFmt?: string): string {
  const text = Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
  const padded = numFmt && /^0+$/.test(numFmt) ? numFmt.length : 0;
  return padded > text.length && value >= 0 ? text.padStart(padded, '0') : text;
}
