import { PassThrough, type Writable } from 'node:stream';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { safeCsvLines } from '../core/csv-safety.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findFailedRows, findImport, findLeadOrigins } from './import.repository.js';

const PAGE = 5000;

/** The columns Leadport adds after the file's own: the row number, the reason, and for duplicates what they matched. */
export const FAILED_RECORD_COLUMNS = ['row', 'error', 'duplicate_of'] as const;

export type FailedRecordsFormat = 'csv' | 'xlsx';

export interface FailedRecordsOptions {
  readonly format?: FailedRecordsFormat;
  /** CSV: start with a UTF-8 byte-order mark, so Excel on Windows reads accents right (default true). */
  readonly bom?: boolean;
}

/**
 * Writes an import's failed rows: the original columns, then `row` (the row number in the file), `error`
 * (the reason) and `duplicate_of` (for a duplicate: which key matched which earlier row or lead), then a
 * ragged row's extra cells. As CSV (UTF-8 with a BOM by default; cells a spreadsheet would run as a
 * formula neutralised, core/csv-safety) or as an XLSX workbook (cells are text there, never formulas).
 * Rows are read page by page, so a large report never sits in memory; the file re-imports with the same
 * mapping. Returns the number of rows written.
 */
export async function writeFailedRecords(
  db: Kysely<DB>,
  importId: string,
  out: Writable,
  options: FailedRecordsOptions = {},
): Promise<number> {
  const rows = failedRecordRows(db, importId);
  return options.format === 'xlsx' ? writeXlsx(rows, out) : writeCsv(rows, out, options.bom ?? true);
}

/** The header row, then pages of failed rows, as text cells. */
async function* failedRecordRows(db: Kysely<DB>, importId: string): AsyncGenerator<string[][]> {
  const row = await findImport(db, importId);
  if (!row) throw new AppError('import_not_found', `no import with id "${importId}"`, { importId });
  const headers = JSON.parse(row.columns) as string[];
  yield [headers.concat(FAILED_RECORD_COLUMNS)];
  let after = 0;
  while (true) {
    const page = await findFailedRows(db, importId, after, PAGE);
    if (page.length === 0) return;
    const origins = await findLeadOrigins(
      db,
      page.map((event) => event.duplicate_of).filter((id): id is string => id !== null),
    );
    yield page.map((event) => {
      const cells = event.raw_row ? (JSON.parse(event.raw_row) as unknown) : [];
      const original = Array.isArray(cells)
        ? cells.map(String)
        : headers.map((h) => String((cells as Record<string, unknown>)[h] ?? ''));
      const origin = event.duplicate_of ? origins.get(event.duplicate_of) : undefined;
      const duplicateOf = event.duplicate_of
        ? describeMatch(event.duplicate_key ?? 'a key', event.duplicate_of, origin, importId)
        : '';
      // A ragged row keeps its extra cells after ours, so nothing the user sent is lost.
      return headers
        .map((_, index) => original[index] ?? '')
        .concat(String(event.row_number ?? ''), event.reason ?? '', duplicateOf, original.slice(headers.length));
    });
    after = page[page.length - 1]?.row_number ?? after;
    if (page.length < PAGE) return;
  }
}

// "email matches row 12 of this file", or the lead and where it came from when it is older than the file.
function describeMatch(
  key: string,
  leadId: string,
  origin: { importId: string | null; rowNumber: number | null } | undefined,
  importId: string,
): string {
  if (origin?.importId === importId && origin.rowNumber !== null)
    return `${key} matches row ${origin.rowNumber} of this file`;
  if (origin?.importId && origin.rowNumber !== null)
    return `${key} matches lead ${leadId} (row ${origin.rowNumber} of import ${origin.importId})`;
  if (origin) return `${key} matches lead ${leadId} (a real-time submission)`;
  return `${key} matches lead ${leadId}`;
}

async function writeCsv(rows: AsyncGenerator<string[][]>, out: Writable, bom: boolean): Promise<number> {
  if (bom) await write(out, '\uFEFF');
  let written = -1;
  for await (const page of rows) {
    await write(out, safeCsvLines(page));
    written += page.length;
  }
  return written;
}

async function writeXlsx(rows: AsyncGenerator<string[][]>, out: Writable): Promise<number> {
  // exceljs ends the stream it writes to; the caller's (stdout, an HTTP reply) is the caller's to end.
  const zip = new PassThrough();
  zip.pipe(out, { end: false });
  const zipped = once(zip, 'end');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: zip, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('Failed records');
  let written = -1;
  for await (const page of rows) {
    for (const cells of page) sheet.addRow(cells).commit();
    written += page.length;
  }
  sheet.commit();
  await workbook.commit();
  await zipped;
  return written;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
