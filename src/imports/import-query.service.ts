import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { writeFailedRecords, type FailedRecordsOptions } from './failed-records.js';
import { countImports, findImport, listImports, type ImportFilter, type ImportRow } from './import.repository.js';
import type { ImportHistoryQuery, ImportView } from './import.schema.js';

/** An import row as the API and the CLI show it. */
export function importView(row: ImportRow): ImportView {
  return {
    id: row.id,
    status: row.status,
    flowId: row.flow_id,
    sourceId: row.source_id,
    routeByColumns: row.route_by_columns === 1,
    fileName: row.file_name,
    fileSha256: row.file_sha256,
    fileSize: row.file_size,
    format: row.format,
    total: row.total,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    duplicates: row.duplicates,
    error: row.error,
    startedBy: row.started_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    columns: JSON.parse(row.columns) as string[],
    mapping: JSON.parse(row.mapping) as (string | null)[],
    fixed: row.fixed,
    fractionRead: row.status === 'processing' || row.status === 'queued' ? row.fraction_read : row.finished_at ? 1 : 0,
    ...pace(row),
    validation: row.validation ? (JSON.parse(row.validation) as ImportView['validation']) : null,
    revert: row.revert ? (JSON.parse(row.revert) as ImportView['revert']) : null,
  };
}

/** Rows a second and the seconds left, from the running import's rows so far and how much of the file they are. */
function pace(row: ImportRow): { rowsPerSecond: number | null; etaSeconds: number | null } {
  const elapsed = row.started_at
    ? (Date.parse(row.finished_at ?? new Date().toISOString()) - Date.parse(row.started_at)) / 1000
    : 0;
  if (elapsed <= 0 || row.total === 0) return { rowsPerSecond: null, etaSeconds: null };
  const rowsPerSecond = Math.round(row.total / elapsed);
  if (row.status !== 'processing' || row.fraction_read <= 0) return { rowsPerSecond, etaSeconds: null };
  return {
    rowsPerSecond,
    etaSeconds: Math.max(0, Math.round((elapsed * (1 - row.fraction_read)) / row.fraction_read)),
  };
}

/** What a history page asks for (the query of `GET /api/imports`); every filter is optional. */
export type ImportHistoryOptions = Partial<Omit<ImportHistoryQuery, 'limit'>> & { limit: number };

// The caller's filter as the repository takes it: a source's own imports only (null: it asked for another's).
function historyFilter(principal: Principal, options: ImportHistoryOptions): ImportFilter | null {
  if (principal.kind === 'source' && options.sourceId !== undefined && options.sourceId !== principal.sourceId)
    return null;
  return {
    statuses: options.status?.split(','),
    flowId: options.flowId,
    sourceId: principal.kind === 'source' ? principal.sourceId : options.sourceId,
    from: options.from ? new Date(options.from).toISOString() : undefined,
    to: options.to ? endOf(options.to) : undefined,
  };
}

// A plain date (2024-05-31) ends at the next midnight UTC, so the day itself is included.
function endOf(to: string): string {
  const end = new Date(to);
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) end.setUTCDate(end.getUTCDate() + 1);
  return end.toISOString();
}

/**
 * Import history, newest first, filtered and paged: the caller's own imports for a source, every import
 * for an admin.
 */
export async function listImportViews(
  db: Kysely<DB>,
  principal: Principal,
  options: ImportHistoryOptions,
): Promise<ImportView[]> {
  const filter = historyFilter(principal, options);
  if (!filter) return [];
  const rows = await listImports(db, { ...filter, limit: options.limit, offset: options.offset ?? 0 });
  return rows.map(importView);
}

/** How many imports the history holds for the caller and the filters (without the page). */
export async function countImportViews(
  db: Kysely<DB>,
  principal: Principal,
  options: ImportHistoryOptions,
): Promise<number> {
  const filter = historyFilter(principal, options);
  return filter ? countImports(db, filter) : 0;
}

/** The import if the caller may see it (an admin, or its own source); import_not_found otherwise. */
// Another source's import is not found rather than forbidden: a source must not learn which ids exist.
export async function visibleImport(db: Kysely<DB>, principal: Principal, importId: string): Promise<ImportRow> {
  const row = await findImport(db, importId);
  if (!row || (principal.kind === 'source' && row.source_id !== principal.sourceId))
    throw new AppError('import_not_found', `no import with id "${importId}"`);
  return row;
}

/** One import, if the caller may see it (an admin, or the source it was made for); import_not_found otherwise. */
export async function getImportView(db: Kysely<DB>, principal: Principal, importId: string): Promise<ImportView> {
  return importView(await visibleImport(db, principal, importId));
}

/**
 * Checks that the caller may see the import, then returns the writer of its failed records (failed-records.ts)
 * for the caller to stream, so a refusal is an error answer, not a broken download.
 */
export async function failedRecordsOf(
  db: Kysely<DB>,
  principal: Principal,
  importId: string,
  options: FailedRecordsOptions,
): Promise<{ importId: string; write: (out: Writable) => Promise<number> }> {
  const row = await visibleImport(db, principal, importId);
  return { importId: row.id, write: (out) => writeFailedRecords(db, row.id, out, options) };
}
