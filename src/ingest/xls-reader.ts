import fs from 'node:fs';
import * as XLSX from '@e965/xlsx';
import { fileError } from '../errors.js';
import { columnLetters, rowLimitError, READ_LIMITS, tooManyColumns } from './limits.js';
import { dateText, type RawRecord } from './tabular.js';

const BATCH = 500;

export interface XlsReadOptions {
  readonly file: string;
  readonly fileName: string;
  readonly sheet?: string | undefined;
  readonly onSheets?: (names: string[], chosen: string) => void;
}

/**
 * Reads one sheet of a legacy Excel (BIFF .xls) workbook with SheetJS (@e965/xlsx, the build with
 * CVE-2023-30533 and CVE-2024-22363 fixed). BIFF has no streaming reader, but a .xls sheet holds at most
 * 65,536 rows and the file is within the upload limit, so the workbook is read whole and the rows handed
 * out in batches. Cells come out as Excel displayed them; dates as yyyy-mm-dd. Rows are read over the
 * cells the sheet holds, within READ_LIMITS.
 */
export async function* readXlsRecords(options: XlsReadOptions): AsyncGenerator<RawRecord[]> {
  let workbook: XLSX.WorkBook;
  try {
    workbook = XLSX.read(fs.readFileSync(options.file), { type: 'buffer', cellDates: true, cellNF: true, dense: true });
  } catch (error) {
    throw fileError(
      'file_malformed',
      { file: options.fileName },
      `not a readable Excel workbook (${(error as Error).message})`,
    );
  }
  const chosen = options.sheet ?? workbook.SheetNames[0] ?? '';
  if (!workbook.SheetNames.includes(chosen)) {
    throw fileError(
      'file_malformed',
      { file: options.fileName },
      `there is no sheet "${chosen}" (sheets: ${workbook.SheetNames.join(', ')})`,
    );
  }
  options.onSheets?.([...workbook.SheetNames], chosen);
  const sheet = workbook.Sheets[chosen];
  if (!sheet?.['!ref']) return;
  const { rows, columns } = usedRange(sheet, options.fileName);
  let batch: RawRecord[] = [];
  for (let row = rows.first; row <= rows.last; row++) {
    const cells: string[] = [];
    for (let column = columns.first; column <= columns.last; column++) {
      cells.push(cellText(sheet, row, column));
    }
    const tooBig = rowLimitError(cells, { file: options.fileName, row: row + 1 }, (index) =>
      columnLetters(columns.first + index),
    );
    if (tooBig) throw tooBig;
    batch.push({ cells, recordNumber: row + 1 });
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

type Span = { first: number; last: number };

/**
 * The rows and columns (0-based) to read: the sheet's `!ref`, cut to the cells it holds. `!ref` comes from
 * the file's DIMENSIONS record, which can claim 65,536 columns of a sheet that has three: reading the range
 * as claimed built a 65,536-cell array for every row. A row that holds cells past READ_LIMITS.maxColumns
 * is refused, naming the row and its last column.
 */
function usedRange(sheet: XLSX.WorkSheet, fileName: string): { rows: Span; columns: Span } {
  const range = XLSX.utils.decode_range(sheet['!ref'] as string);
  const dense = (sheet as unknown as { '!data'?: (unknown[] | undefined)[] })['!data'];
  if (!dense) return { rows: { first: range.s.r, last: range.e.r }, columns: { first: range.s.c, last: range.e.c } };
  let lastColumn = -1;
  for (let row = range.s.r; row < dense.length; row++) {
    const width = dense[row]?.length ?? 0;
    if (width - range.s.c > READ_LIMITS.maxColumns)
      throw tooManyColumns({ file: fileName, row: row + 1, column: columnLetters(width) }, width - range.s.c);
    lastColumn = Math.max(lastColumn, width - 1);
  }
  return {
    rows: { first: range.s.r, last: Math.min(range.e.r, dense.length - 1) },
    columns: { first: range.s.c, last: Math.min(range.e.c, lastColumn) },
  };
}

function cellText(sheet: XLSX.WorkSheet, row: number, column: number): string {
  const dense = (sheet as unknown as { '!data'?: (XLSX.CellObject | undefined)[][] })['!data'];
  const cell = dense
    ? dense[row]?.[column]
    : (sheet[XLSX.utils.encode_cell({ r: row, c: column })] as XLSX.CellObject | undefined);
  if (!cell || cell.v === undefined || cell.v === null) return '';
  if (cell.v instanceof Date) return dateText(cell.v);
  if (cell.t === 'n' && typeof cell.v === 'number') {
    // Formatted text keeps leading zeros of ZIP formats; General numbers read without exponent notation.
    if (cell.w !== undefined && !/e\+?\d+$/i.test(cell.w) && !cell.w.includes(',')) return cell.w;
    return Number.isInteger(cell.v) ? cell.v.toFixed(0) : String(cell.v);
  }
  if (cell.t === 'b') return cell.v ? 'TRUE' : 'FALSE';
  return cell.w ?? String(cell.v);
}
