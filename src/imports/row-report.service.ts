import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AliasedSelectQueryBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import { safeCsvLines } from '../core/csv-safety.js';
import type { DB } from '../db/schema.js';
import { FAILED_RECORD_COLUMNS } from './failed-records.js';
import { findLeadOrigins, type ImportRow } from './import.repository.js';
import { visibleImport } from './import-query.service.js';
import type { ReportRowView, RowReport, RowReportCsvQuery, RowReportQuery } from './row-report.schema.js';

const CSV_PAGE = 5000;
const TOP_REASONS = 50;

/** One failing row as either store holds it: the validation's report, or the import's events. */
interface ReportSourceRow {
  row_number: number;
  outcome: string;
  action: string;
  reason: string | null;
  cells: string | null;
  duplicate_of: string | null;
  duplicate_key: string | null;
}

/** Which rows of the report to read. */
interface ReportFilter {
  readonly outcome?: 'failure' | 'error' | undefined;
  readonly reason?: string | undefined;
}

/**
 * The failing rows of an import as one table: the validation's report while the import has not run
 * (status `uploaded`), its events once it ran (the validation's report describes a dry run that the
 * import's own results replace).
 */
function reportSource(db: Kysely<DB>, row: ImportRow): AliasedSelectQueryBuilder<ReportSourceRow, 'r'> {
  if (row.status === 'uploaded')
    return db
      .selectFrom('import_report_rows')
      .select(['row_number', 'outcome', 'action', 'reason', 'cells', 'duplicate_of', 'duplicate_key'])
      .where('import_id', '=', row.id)
      .$castTo<ReportSourceRow>()
      .as('r');
  return db
    .selectFrom('events')
    .select(['row_number', 'outcome', 'action', 'reason', 'raw_row as cells', 'duplicate_of', 'duplicate_key'])
    .where('import_id', '=', row.id)
    .where('outcome', '!=', 'success')
    .$castTo<ReportSourceRow>()
    .as('r');
}

function filtered<O>(
  query: SelectQueryBuilder<{ r: ReportSourceRow }, 'r', O>,
  filter: ReportFilter,
  byReason = true,
): SelectQueryBuilder<{ r: ReportSourceRow }, 'r', O> {
  let result = query;
  if (filter.outcome) result = result.where('r.outcome', '=', filter.outcome);
  if (byReason && filter.reason !== undefined) result = result.where('r.reason', '=', filter.reason);
  return result;
}

async function reportPage(
  db: Kysely<DB>,
  row: ImportRow,
  filter: ReportFilter,
  after: number,
  limit: number,
): Promise<ReportSourceRow[]> {
  return filtered(db.selectFrom(reportSource(db, row)).selectAll('r'), filter)
    .where('r.row_number', '>', after)
    .orderBy('r.row_number')
    .limit(limit)
    .execute();
}

/** A row's cells as stored: a JSON array of cells, or (a real-time submission's) raw values by header. */
export function storedCells(json: string | null, headers: readonly string[]): string[] {
  const parsed = json ? (JSON.parse(json) as unknown) : [];
  if (Array.isArray(parsed)) return parsed.map((cell) => (cell === null || cell === undefined ? '' : String(cell)));
  const byHeader = (parsed ?? {}) as Record<string, unknown>;
  return headers.map((header) => (Object.hasOwn(byHeader, header) ? String(byHeader[header] ?? '') : ''));
}

/** A row's cells by header (a ragged row's extra cells have no header; the CSV report keeps them). */
export function valuesOf(headers: readonly string[], cells: readonly string[]): Record<string, string> {
  // Headers are the file's own text: `__proto__` must be a key like any other.
  const values: Record<string, string> = Object.create(null);
  headers.forEach((header, index) => {
    values[header] = cells[index] ?? '';
  });
  return values;
}

/**
 * Which of a page's rows were fixed inline. Their stored cells are already the fixed ones: the fix wrote
 * them to the report, and a validation or import evaluates the fix instead of the file's row.
 */
async function withFixes(
  db: Kysely<DB>,
  row: ImportRow,
  page: readonly ReportSourceRow[],
  headers: readonly string[],
): Promise<{ source: ReportSourceRow; cells: string[]; fixed: boolean }[]> {
  const fixed =
    page.length === 0
      ? []
      : await db
          .selectFrom('import_row_fixes')
          .select('row_number')
          .where('import_id', '=', row.id)
          .where(
            'row_number',
            'in',
            page.map((entry) => entry.row_number),
          )
          .execute();
  const rowNumbers = new Set(fixed.map((fix) => fix.row_number));
  return page.map((source) => ({
    source,
    cells: storedCells(source.cells, headers),
    fixed: rowNumbers.has(source.row_number),
  }));
}

/**
 * A page of an import's row report (the rows that would fail, or failed): in file order after row
 * `after`, filtered by outcome and exact reason, with the counts of the commonest reasons over the whole
 * report and how many rows match. A fixed row shows its fixed values. Only for an import the caller may see.
 */
export async function rowReport(
  db: Kysely<DB>,
  principal: Principal,
  importId: string,
  query: RowReportQuery,
): Promise<RowReport> {
  const row = await visibleImport(db, principal, importId);
  const headers = JSON.parse(row.columns) as string[];
  const filter: ReportFilter = { outcome: query.outcome, reason: query.reason };
  // One row more than asked tells whether there is a next page.
  const page = await reportPage(db, row, filter, query.after, query.limit + 1);
  const more = page.length > query.limit;
  const shown = await withFixes(db, row, page.slice(0, query.limit), headers);
  const counted = await filtered(
    db.selectFrom(reportSource(db, row)).select((eb) => eb.fn.countAll<string | number>().as('count')),
    filter,
  ).executeTakeFirst();
  const reasons = await filtered(
    db
      .selectFrom(reportSource(db, row))
      .select((eb) => ['r.reason', eb.fn.countAll<string | number>().as('count')])
      .groupBy('r.reason'),
    filter,
    false,
  )
    .orderBy('count', 'desc')
    .orderBy('r.reason')
    .limit(TOP_REASONS)
    .execute();
  const rows: ReportRowView[] = shown.map(({ source, cells, fixed }) => ({
    row: source.row_number,
    outcome: source.outcome === 'error' ? 'error' : 'failure',
    action: source.action,
    reason: source.reason,
    values: valuesOf(headers, cells),
    fixed,
    duplicateOf: source.duplicate_of ? { leadId: source.duplicate_of, key: source.duplicate_key ?? '' } : null,
  }));
  return {
    rows,
    reasons: reasons.map((entry) => ({ reason: entry.reason, count: Number(entry.count) })),
    total: Number(counted?.count ?? 0),
    next: more ? (rows[rows.length - 1]?.row ?? null) : null,
  };
}

/**
 * Checks that the caller may see the import, then returns the writer of its row report as CSV for the
 * caller to stream (a refusal is an error answer, not a broken download): the failed-records layout (the
 * file's columns, then row, error and duplicate_of, then a ragged row's extra cells), fixed rows with
 * their fixed values, formula-safe, UTF-8 with a BOM unless told otherwise. Read page by page.
 */
export async function rowReportCsv(
  db: Kysely<DB>,
  principal: Principal,
  importId: string,
  filter: RowReportCsvQuery,
): Promise<{ importId: string; write: (out: Writable) => Promise<void> }> {
  const row = await visibleImport(db, principal, importId);
  return {
    importId: row.id,
    write: async (out) => {
      if (filter.bom ?? true) await write(out, '\uFEFF');
      const headers = JSON.parse(row.columns) as string[];
      await write(out, safeCsvLines([headers.concat(FAILED_RECORD_COLUMNS)]));
      let after = 0;
      while (true) {
        const page = await reportPage(db, row, filter, after, CSV_PAGE);
        if (page.length === 0) return;
        const origins = await findLeadOrigins(
          db,
          page.map((entry) => entry.duplicate_of).filter((id): id is string => id !== null),
        );
        const lines = (await withFixes(db, row, page, headers)).map(({ source, cells }) => {
          const duplicateOf = source.duplicate_of
            ? describeMatch(source.duplicate_key ?? 'a key', source.duplicate_of, origins.get(source.duplicate_of), row)
            : '';
          return headers
            .map((_, index) => cells[index] ?? '')
            .concat(String(source.row_number), source.reason ?? '', duplicateOf, cells.slice(headers.length));
        });
        await write(out, safeCsvLines(lines));
        after = page[page.length - 1]?.row_number ?? after;
        if (page.length < CSV_PAGE) return;
      }
    },
  };
}

// "email matches row 12 of this file", or the lead and where it came from when it is older than the file.
// A validation's duplicate of an earlier row of the file matched a would-be lead, never stored.
function describeMatch(
  key: string,
  leadId: string,
  origin: { importId: string | null; rowNumber: number | null } | undefined,
  row: ImportRow,
): string {
  if (!origin)
    return row.status === 'uploaded' ? `${key} matches an earlier row of this file` : `${key} matches lead ${leadId}`;
  if (origin.importId === row.id && origin.rowNumber !== null)
    return `${key} matches row ${origin.rowNumber} of this file`;
  if (origin.importId && origin.rowNumber !== null)
    return `${key} matches lead ${leadId} (row ${origin.rowNumber} of import ${origin.importId})`;
  return `${key} matches lead ${leadId} (a real-time submission)`;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
