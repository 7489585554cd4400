import type { ImportRow } from './import.repository.js';

/** An import as the CLI and the API show it. */
export function importView(row: ImportRow) {
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

export type ImportView = ReturnType<typeof importView>;
