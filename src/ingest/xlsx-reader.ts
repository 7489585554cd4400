import path from 'node:path';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { fileError, type FileLocation } from '../errors.js';
import { columnLetters, READ_LIMITS, rowLimitError, tooManyColumns } from './limits.js';
import { SharedStrings } from './shared-strings.js';
import { dateText, type RawRecord } from './tabular.js';
import { WORKBOOK_LIMITS } from './zip-guard.js';
import { WorkbookParts, type InflateLimits } from './zip-parts.js';

const BATCH = 500;

export interface XlsxReadOptions {
  readonly file: string;
  readonly fileName: string;
  /** The sheet to read; the workbook's first sheet when omitted. */
  readonly sheet?: string | undefined;
  /** Told the workbook's sheet names and the chosen one, as soon as they are known. */
  readonly onSheets?: (names: string[], chosen: string) => void;
  /** WORKBOOK_LIMITS unless a test needs smaller ones. */
  readonly limits?: InflateLimits;
}

interface SheetModel {
  name: string;
  rId?: string;
}

interface Relationship {
  Id: string;
  Target: string;
}

/**
 * The part parsers of exceljs's WorkbookReader, which its parse() calls on the entries of a zip it unzips
 * as a stream. They are called here on parts read from the zip's directory instead (see readXlsxRecords).
 */
interface PartParsers {
  _parseRels(stream: Readable): Promise<void>;
  _parseWorkbook(stream: Readable): Promise<void>;
  _parseStyles(stream: Readable): Promise<void>;
  _parseSharedStrings(stream: Readable): AsyncGenerator<{ index: number; text: unknown }>;
  _parseWorksheet(stream: Readable, sheetNo: string): Generator<{ value: ExcelJS.stream.xlsx.WorksheetReader }>;
  readonly workbookRels?: Relationship[];
  readonly model?: { sheets?: SheetModel[] };
}

const PARTS = {
  rels: 'xl/_rels/workbook.xml.rels',
  workbook: 'xl/workbook.xml',
  styles: 'xl/styles.xml',
  strings: 'xl/sharedStrings.xml',
};

/**
 * Streams one sheet of an XLSX workbook with exceljs's parsers, so memory does not grow with the sheet.
 * Cells come out as the text a user saw: dates as yyyy-mm-dd (1900 and 1904 systems), numbers without
 * exponent notation, zero-padded number formats (ZIP codes) padded, text cells as they are.
 *
 * exceljs's WorkbookReader.parse() unzips the file as a stream and parks each sheet met before the
 * workbook part and shared strings in a temporary file, inflated whole: a zip bomb filled TMPDIR and the
 * heap, and its streaming unzip loses a zip's last entry now and then (exceljs issue #3064). Here the parts
 * are opened from the zip's directory (WorkbookParts, which meters every byte inflated) in the order they
 * are needed: relationships, workbook, styles, shared strings, then only the chosen sheet, streamed
 * directly; nothing is written to disk but a large shared-strings table (SharedStrings), removed on every
 * way out. Rows wider than READ_LIMITS are refused before they are expanded into arrays.
 */
export async function* readXlsxRecords(options: XlsxReadOptions): AsyncGenerator<RawRecord[]> {
  const parts = await WorkbookParts.open(options.file, options.fileName, options.limits ?? WORKBOOK_LIMITS);
  const strings = new SharedStrings();
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(options.file, {
      sharedStrings: 'emit',
      styles: 'cache',
      hyperlinks: 'ignore',
      worksheets: 'emit',
    });
    const parsers = reader as unknown as PartParsers;
    await readWorkbookParts(parts, parsers, strings, options.fileName);
    const sheets = parsers.model?.sheets ?? [];
    const names = sheets.map((sheet) => sheet.name);
    const chosen = options.sheet ?? names[0];
    if (options.sheet && !names.includes(options.sheet)) {
      throw fileError(
        'file_malformed',
        { file: options.fileName },
        `there is no sheet "${options.sheet}" (sheets: ${names.join(', ')})`,
      );
    }
    options.onSheets?.(names, chosen ?? '');
    if (chosen === undefined) return;
    const part = sheetPart(
      sheets.find((sheet) => sheet.name === chosen),
      parsers.workbookRels ?? [],
    );
    if (!part || !parts.has(part))
      throw fileError(
        'file_malformed',
        { file: options.fileName },
        `sheet "${chosen}" has no data (sheets: ${names.join(', ')})`,
      );
    const worksheet = parsers._parseWorksheet(await parts.open(part), '').next().value
      ?.value as ExcelJS.stream.xlsx.WorksheetReader;
    let batch: RawRecord[] = [];
    for await (const row of worksheet) {
      batch.push({
        cells: rowCells(row, strings, { file: options.fileName, row: row.number }),
        recordNumber: row.number,
      });
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } catch (error) {
    if ((error as { code?: string }).code === 'file_malformed') throw error;
    throw fileError(
      'file_malformed',
      { file: options.fileName },
      `not a readable Excel workbook (${(error as Error).message})`,
    );
  } finally {
    strings.close();
    parts.close();
  }
}

/**
 * Reads the parts a sheet needs: the sheet list, number formats (they make dates) and the shared-strings
 * table, kept compact in `strings` rather than in exceljs's cache.
 */
async function readWorkbookParts(
  parts: WorkbookParts,
  parsers: PartParsers,
  strings: SharedStrings,
  fileName: string,
): Promise<void> {
  if (parts.has(PARTS.rels)) await parsers._parseRels(await parts.open(PARTS.rels));
  if (parts.has(PARTS.workbook)) await parsers._parseWorkbook(await parts.open(PARTS.workbook));
  if (parts.has(PARTS.styles)) await parsers._parseStyles(await parts.open(PARTS.styles));
  if (!parts.has(PARTS.strings)) return;
  for await (const { index, text } of parsers._parseSharedStrings(await parts.open(PARTS.strings))) {
    const value = cellText(text);
    if (value.length > READ_LIMITS.maxCellCharacters) {
      throw fileError(
        'file_malformed',
        { file: fileName },
        `string ${index + 1} of ${PARTS.strings} holds ${value.length} characters; the limit for a cell is ${READ_LIMITS.maxCellCharacters}`,
      );
    }
    strings.add(value);
  }
}

/** The zip part of a sheet, from its relationship's target (relative to xl/, or absolute). */
function sheetPart(sheet: SheetModel | undefined, rels: readonly Relationship[]): string | undefined {
  const target = rels.find((rel) => rel.Id === sheet?.rId)?.Target;
  if (!target) return undefined;
  return target.startsWith('/') ? path.posix.normalize(target.slice(1)) : path.posix.join('xl', target);
}

/**
 * A row's cells as text. exceljs keeps a row's cells sparse, by column, and cellCount is the last column
 * used: it is checked before row.values expands the row into an array, so one cell at XFD cannot make
 * 16,384 cells in every row.
 */
function rowCells(row: ExcelJS.Row, strings: SharedStrings, where: FileLocation): string[] {
  if (row.cellCount > READ_LIMITS.maxColumns)
    throw tooManyColumns({ ...where, column: columnLetters(row.cellCount) }, row.cellCount);
  const values = row.values as unknown[];
  const cells: string[] = [];
  for (let column = 1; column < values.length; column++) {
    const value = values[column];
    if (value === undefined || value === null) cells.push('');
    else if (typeof value === 'object' && 'sharedString' in value)
      cells.push(strings.get((value as { sharedString: number }).sharedString) ?? '');
    else cells.push(cellText(value, row.getCell(column).numFmt));
  }
  const tooBig = rowLimitError(cells, where, columnLetters);
  if (tooBig) throw tooBig;
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
    if (Array.isArray(object.richText))
      return (object.richText as { text?: string }[]).map((part) => part.text ?? '').join('');
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
