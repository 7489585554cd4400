import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { safeCsvLines } from '../core/csv-safety.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { findFailedRows, findImport } from './import.repository.js';

const PAGE = 5000;

/**
 * Writes an import's failed rows as CSV: the original columns, then `error` (the reason). Cells that a
 * spreadsheet would run as a formula are neutralised here (core/csv-safety), on export only; stored
 * values stay as they came. Rows are read page by page, so a large report never sits in memory. The file
 * re-imports with the same mapping. Returns the number of rows written.
 */
export async function writeFailedRecords(store: Store, importId: string, out: Writable): Promise<number> {
  const row = await findImport(store.db, importId);
  if (!row) throw new AppError('import_not_found', `no import with id "${importId}"`, { importId });
  const headers = JSON.parse(row.columns) as string[];
  await write(out, safeCsvLines([headers.concat('error')]));
  let written = 0;
  let after = 0;
  while (true) {
    const page = await findFailedRows(store.db, importId, after, PAGE);
    if (page.length === 0) break;
    const lines = page.map((event) => {
      const cells = event.raw_row ? (JSON.parse(event.raw_row) as unknown) : [];
      const original = Array.isArray(cells) ? cells.map(String) : headers.map((h) => String((cells as Record<string, unknown>)[h] ?? ''));
      // A ragged row keeps its extra cells after the error, so nothing the user sent is lost.
      return headers.map((_, index) => original[index] ?? '').concat(event.reason ?? '', original.slice(headers.length));
    });
    await write(out, safeCsvLines(lines));
    written += page.length;
    after = page[page.length - 1]?.row_number ?? after;
    if (page.length < PAGE) break;
  }
  return written;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
