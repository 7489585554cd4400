import fs from 'node:fs';
import * as XLSX from '@e965/xlsx';
import { fileError } from '../errors.js';
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
 * out in batches. Cells come out as Excel displayed them; dates as yyyy-mm-dd.
 */
export async function* readXlsRecords(options: XlsReadOptions): AsyncGenerator<RawRecord[]> {
  let workbook: XLSX.WorkBook;
  try {
    workbook = XLSX.read(fs.readFileSync(options.file), { type: 'buffer', cellDates: true, cellNF: true, dense: true });
  } catch (error) {
    throw fileError('file_malformed', { file: options.fileName }, `not a readable Excel workbook (${(error as Error).message})`);
  }
  const chosen = options.sheet ?? workbook.SheetNames[0] ?? '';
  if (!workbook.SheetNames.includes(chosen)) {
    throw fileError('file_malformed', { file: options.fileName }, `there is no sheet "${chosen}" (sheets: ${workbook.SheetNames.join(', ')})`);
  }
  options.onSheets?.([...workbook.SheetNames], chosen);
  const sheet = workbook.Sheets[chosen];
  if (!sheet || !sheet['!ref']) return;
  const range = XLSX.utils.decode_range(sheet['!ref']);
  let batch: RawRecord[] = [];
  for (let row = range.s.r; row <= range.e.r; row++) {
    const cells: string[] = [];
    for (let column = range.s.c; column <= range.e.c; column++) {
      cells.push(cellText(sheet, row, column));
    }
    batch.push({ cells, recordNumber: row + 1 });
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function cellText(sheet: XLSX.WorkSheet, row: number, column: number): string {
  const dense = (sheet as unknown as { '!data'?: (XLSX.CellObject | undefined)[][] })['!data'];
  const cell = dense ? dense[row]?.[column] : (sheet[XLSX.utils.encode_cell({ r: row, c: column })] as XLSX.CellObject | undefined);
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
