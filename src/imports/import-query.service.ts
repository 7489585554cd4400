import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { writeFailedRecords, type FailedRecordsOptions } from './failed-records.js';
import { findImport, listImports, type ImportRow } from './import.repository.js';
import type { ImportView } from './import.schema.js';

/** An import row as the API and the CLI show it. */
export function importView(row: ImportRow): ImportView {
  return {
    id: row.id,
    status: row.status,
    flowId: row.flow_id,
    sourceId: row.source_id,
    fileName: row.file_name,
    fileSha256: row.file_sha256,
    fileSize: row.file_size,
    format: row.format,
    total: row.total,
    created: row.created,
    updated: row.updated,
    failed: row.failed,
    duplicates: row.duplicates,
    error: row.error,
    startedBy: row.started_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    columns: JSON.parse(row.columns) as string[],
    mapping: JSON.parse(row.mapping) as (string | null)[],
  };
}

/** Import history, newest first: the caller's own imports for a source, every import for an admin. */
export async function listImportViews(
  db: Kysely<DB>,
  principal: Principal,
  options: { limit: number },
): Promise<ImportView[]> {
  const rows = await listImports(db, {
    limit: options.limit,
    ...(principal.kind === 'source' ? { sourceId: principal.sourceId } : {}),
  });
  return rows.map(importView);
}

// Another source's import is not found rather than forbidden: a source must not learn which ids exist.
async function visibleImport(db: Kysely<DB>, principal: Principal, importId: string): Promise<ImportRow> {
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
