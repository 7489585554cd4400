import type { Kysely, Transaction } from 'kysely';
import { newId } from '../core/ids.js';
import type { DB, ImportTable, NotificationTable } from '../db/schema.js';
import { statesBefore, transitionRefused, type ImportState } from './import-state.js';

export type ImportRow = ImportTable;

/** What a new import row must say; everything else starts empty (no counts, no lease, no reports). */
export type NewImport = Pick<
  ImportTable,
  'id' | 'flow_id' | 'source_id' | 'file_name' | 'file_size' | 'format' | 'options' | 'columns' | 'mapping' | 'status'
> &
  Partial<ImportTable>;

/** A full import row from what a new import must say. */
export function newImportRow(values: NewImport): ImportTable {
  return {
    file_sha256: null,
    total: 0,
    created: 0,
    updated: 0,
    failed: 0,
    duplicates: 0,
    committed_rows: 0,
    error: null,
    started_by: null,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    duration_ms: null,
    template_id: null,
    file_path: null,
    file_stored: 0,
    file_deleted_at: null,
    mapping_choices: null,
    unchanged: 0,
    fixed: 0,
    fraction_read: 0,
    lease_token: null,
    lease_expires_at: null,
    cancel_requested: 0,
    validation: null,
    revert: null,
    ...values,
  };
}

export async function insertImport(db: Kysely<DB>, row: ImportTable): Promise<void> {
  await db.insertInto('imports').values(row).execute();
}

export async function findImport(db: Kysely<DB>, importId: string): Promise<ImportRow | undefined> {
  return db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirst();
}

export interface ImportCounts {
  total: number;
  created: number;
  updated: number;
  failed: number;
  duplicates: number;
  committed_rows: number;
}

/** Records a committed batch's counts, in the batch's own transaction so a resumed job knows where it was. */
export async function saveProgress(trx: Transaction<DB>, importId: string, counts: ImportCounts): Promise<void> {
  await trx.updateTable('imports').set(counts).where('id', '=', importId).execute();
}

/**
 * Moves an import to its final status, only from a state the transition table allows (checked in the same
 * UPDATE, so two workers cannot both finish it); throws invalid_state_transition otherwise.
 */
export async function finishImport(
  db: Kysely<DB>,
  importId: string,
  status: ImportState,
  fields: { sha256?: string | null; error?: string | null; finishedAt: string; durationMs: number },
): Promise<void> {
  const result = await db
    .updateTable('imports')
    .set({
      status,
      finished_at: fields.finishedAt,
      duration_ms: fields.durationMs,
      ...(fields.sha256 !== undefined ? { file_sha256: fields.sha256 } : {}),
      ...(fields.error !== undefined ? { error: fields.error } : {}),
    })
    .where('id', '=', importId)
    .where('status', 'in', statesBefore(status))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const current = await findImport(db, importId);
    throw transitionRefused(importId, current?.status ?? 'missing', status);
  }
  const finished = await findImport(db, importId);
  if (finished) await insertNotification(db, importEndedNotification(finished));
}

const STATUS_WORDS: Record<string, string> = {
  completed: 'completed',
  completed_with_errors: 'completed with errors',
  failed: 'failed',
  cancelled: 'was stopped',
};

// "Import of leads.csv completed with errors: 4 created, 0 updated, 5 failed."
function importEndedNotification(row: ImportRow): NotificationTable {
  const counts = `${row.created} created, ${row.updated} updated, ${row.failed} failed`;
  const why = row.status === 'failed' && row.error ? ` (${row.error.slice(0, 200)})` : '';
  return {
    id: newId(),
    kind: 'import_finished',
    import_id: row.id,
    flow_id: row.flow_id,
    source_id: row.source_id,
    status: row.status,
    message: `Import of ${row.file_name} ${STATUS_WORDS[row.status] ?? row.status}: ${counts}.${why}`,
    created_at: new Date().toISOString(),
    read_at: null,
  };
}

async function insertNotification(db: Kysely<DB>, notification: NotificationTable): Promise<void> {
  await db.insertInto('notifications').values(notification).execute();
}

/** Imports, newest first; only one source's when given. */
export async function listImports(
  db: Kysely<DB>,
  options: { limit?: number; sourceId?: string } = {},
): Promise<ImportRow[]> {
  let query = db
    .selectFrom('imports')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100);
  if (options.sourceId) query = query.where('source_id', '=', options.sourceId);
  return query.execute();
}

/** A page of an import's failed rows (outcome failure or error) after a row number, in file order. */
export async function findFailedRows(db: Kysely<DB>, importId: string, afterRow: number, limit: number) {
  return db
    .selectFrom('events')
    .select(['row_number', 'outcome', 'reason', 'raw_row', 'duplicate_of', 'duplicate_key'])
    .where('import_id', '=', importId)
    .where('row_number', '>', afterRow)
    .where('outcome', '!=', 'success')
    .orderBy('row_number')
    .limit(limit)
    .execute();
}

/** Where the given leads came from: the import and row that created them (null for real-time leads). */
export async function findLeadOrigins(
  db: Kysely<DB>,
  leadIds: readonly string[],
): Promise<Map<string, { importId: string | null; rowNumber: number | null }>> {
  const origins = new Map<string, { importId: string | null; rowNumber: number | null }>();
  const unique = [...new Set(leadIds)];
  for (let start = 0; start < unique.length; start += 1000) {
    const rows = await db
      .selectFrom('leads')
      .select(['id', 'import_id', 'row_number'])
      .where('id', 'in', unique.slice(start, start + 1000))
      .execute();
    for (const row of rows) origins.set(row.id, { importId: row.import_id, rowNumber: row.row_number });
  }
  return origins;
}

/**
 * Undoes an import's writes: restores the leads it updated (newest change first), then deletes the leads it
 * created with their duplicate keys. With `dropEvents` its events go too (an import that failed as a whole).
 */
export async function undoImportWrites(trx: Transaction<DB>, importId: string, dropEvents: boolean): Promise<void> {
  const updates = await trx
    .selectFrom('events')
    .select(['lead_id', 'previous'])
    .where('import_id', '=', importId)
    .where('previous', 'is not', null)
    .orderBy('row_number', 'desc')
    .execute();
  const now = new Date().toISOString();
  for (const update of updates) {
    if (update.lead_id && update.previous) {
      await trx
        .updateTable('leads')
        .set({ fields: update.previous, updated_at: now })
        .where('id', '=', update.lead_id)
        .execute();
    }
  }
  // duplicate_keys has no lead_id index (it would be written on every imported row); undoing is rare.
  await trx
    .deleteFrom('duplicate_keys')
    .where('lead_id', 'in', (eb) => eb.selectFrom('leads').select('id').where('import_id', '=', importId))
    .execute();
  await trx.deleteFrom('leads').where('import_id', '=', importId).execute();
  if (dropEvents) await trx.deleteFrom('events').where('import_id', '=', importId).execute();
}
