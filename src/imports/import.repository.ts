import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, type Transaction } from 'kysely';
import { chunkForInsert } from '../db/batch.js';
import { dialectOf } from '../db/database.js';
import { newId } from '../core/ids.js';
import type { DB, ImportReportRowTable, ImportTable, NotificationTable } from '../db/schema.js';
import { recordImportDelivery } from '../webhooks/webhook.service.js';
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
    route_by_columns: 0,
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
  /** Of the updated rows, those that changed no value of their lead. */
  unchanged: number;
  failed: number;
  duplicates: number;
  committed_rows: number;
}

/** The counts of an import (or part) that has committed nothing. */
export const NO_COUNTS: Readonly<ImportCounts> = Object.freeze({
  total: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  duplicates: 0,
  committed_rows: 0,
});

/** Thrown when an import's lease was taken over by another worker: this one must not write any more. */
export class LeaseLost extends Error {
  constructor(importId: string) {
    super(`import ${importId}: another worker took its lease over; this one stops without writing`);
    this.name = 'LeaseLost';
  }
}

/**
 * Records a committed batch's counts in the batch's own transaction, so a resumed job knows where it was,
 * only while `token` holds the import's lease (renewing it): a worker that lost its lease throws LeaseLost
 * and its batch rolls back. Returns whether the user asked to cancel the import.
 */
export async function saveProgress(
  trx: Transaction<DB>,
  importId: string,
  token: string,
  counts: ImportCounts,
  fractionRead: number,
  leaseMs = 30_000,
): Promise<boolean> {
  const saved = await trx
    .updateTable('imports')
    .set({ ...counts, fraction_read: fractionRead, lease_expires_at: leaseEnd(leaseMs) })
    .where('id', '=', importId)
    .where('lease_token', '=', token)
    .returning('cancel_requested')
    .executeTakeFirst();
  if (!saved) throw new LeaseLost(importId);
  return saved.cancel_requested === 1;
}

function leaseEnd(leaseMs: number): string {
  return new Date(Date.now() + leaseMs).toISOString();
}

/**
 * Takes a queued (or abandoned processing) import's lease for a worker, moving it to processing, in one
 * guarded UPDATE: no other worker can hold it at once. With `renew`, only extends a lease `token` holds.
 * Returns the import as taken, or undefined when it is not this worker's to run.
 */
export async function claimImportLease(
  db: Kysely<DB>,
  importId: string,
  token: string,
  leaseMs: number,
  renew = false,
): Promise<ImportRow | undefined> {
  const now = new Date().toISOString();
  let update = db
    .updateTable('imports')
    .set({ lease_token: token, lease_expires_at: leaseEnd(leaseMs) })
    .where('id', '=', importId);
  if (renew) update = update.where('lease_token', '=', token);
  else
    update = update
      .set({ status: 'processing', started_at: sql<string>`coalesce(started_at, ${now})` })
      .where('status', 'in', ['queued', 'processing'])
      .where((eb) => eb.or([eb('lease_token', 'is', null), eb('lease_expires_at', '<', now)]));
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return findImport(db, importId);
}

/** Gives a processing import back to the queue (a worker shutting down), keeping its committed batches. */
export async function releaseImport(db: Kysely<DB>, importId: string, token: string): Promise<void> {
  await db
    .updateTable('imports')
    .set({ status: 'queued', lease_token: null, lease_expires_at: null })
    .where('id', '=', importId)
    .where('lease_token', '=', token)
    .where('status', '=', 'processing')
    .execute();
}

/** Drops an import's lease whoever holds it (it could not be marked failed: the next worker finds it at once). */
export async function clearImportLease(db: Kysely<DB>, importId: string): Promise<void> {
  await db
    .updateTable('imports')
    .set({ lease_token: null, lease_expires_at: null })
    .where('id', '=', importId)
    .execute();
}

/** The inline fixes of an import's rows: row number -> the row's cells. */
export async function findRowFixes(db: Kysely<DB>, importId: string): Promise<Map<number, string[]>> {
  const rows = await db
    .selectFrom('import_row_fixes')
    .select(['row_number', 'cells'])
    .where('import_id', '=', importId)
    .execute();
  return new Map(rows.map((row) => [row.row_number, JSON.parse(row.cells) as string[]]));
}

/** A validation's figures as `imports.validation` holds them. */
export interface ValidationState {
  status: 'running' | 'completed' | 'failed';
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  failed: number;
  fractionRead: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/**
 * Saves a validation's figures; `fresh` first empties the report of an earlier run, `ended` adds the
 * in-app notification that it ended.
 */
export async function saveValidation(
  db: Kysely<DB>,
  importId: string,
  state: ValidationState,
  fresh: boolean,
  ended = false,
): Promise<void> {
  if (fresh) await db.deleteFrom('import_report_rows').where('import_id', '=', importId).execute();
  await db
    .updateTable('imports')
    .set({ validation: JSON.stringify(state) })
    .where('id', '=', importId)
    .execute();
  if (!ended) return;
  const row = await findImport(db, importId);
  if (row) await insertNotification(db, validationEndedNotification(row, state));
}

/** Adds failing rows to a validation's report (multi-row inserts). */
export async function insertReportRows(db: Kysely<DB>, rows: readonly ImportReportRowTable[]): Promise<void> {
  // A row fixed inline while this validation started may be in the report already: the validation's word wins.
  for (const chunk of chunkForInsert(rows, 8))
    await db
      .insertInto('import_report_rows')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['import_id', 'row_number']).doUpdateSet((eb) => ({
          outcome: eb.ref('excluded.outcome'),
          action: eb.ref('excluded.action'),
          reason: eb.ref('excluded.reason'),
          cells: eb.ref('excluded.cells'),
          duplicate_of: eb.ref('excluded.duplicate_of'),
          duplicate_key: eb.ref('excluded.duplicate_key'),
        })),
      )
      .execute();
}

/**
 * Moves an import to its final status, only from a state the transition table allows (checked in the same
 * UPDATE, so two workers cannot both finish it); throws invalid_state_transition otherwise.
 */
export async function finishImport(
  db: Kysely<DB>,
  importId: string,
  status: ImportState,
  fields: { sha256?: string | null; error?: string | null; finishedAt: string; durationMs: number; fixed?: number },
): Promise<void> {
  const result = await db
    .updateTable('imports')
    .set({
      status,
      finished_at: fields.finishedAt,
      duration_ms: fields.durationMs,
      lease_token: null,
      lease_expires_at: null,
      ...(fields.fixed !== undefined ? { fixed: fields.fixed } : {}),
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
  if (finished) {
    await insertNotification(db, importEndedNotification(finished));
    // Only the row: the caller's dispatchPendingDeliveries enqueues the POST, which never holds the import up.
    await recordImportDelivery(db, finished);
  }
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

// "Validation of leads.csv finished: 95 would be created, 0 updated, 5 would fail."
function validationEndedNotification(row: ImportRow, state: ValidationState): NotificationTable {
  const message =
    state.status === 'completed'
      ? `Validation of ${row.file_name} finished: ${state.created} would be created, ${state.updated} updated, ${state.failed} would fail.`
      : `Validation of ${row.file_name} failed (${(state.error ?? '').slice(0, 200)}).`;
  return {
    id: newId(),
    kind: 'validation_finished',
    import_id: row.id,
    flow_id: row.flow_id,
    source_id: row.source_id,
    status: state.status,
    message,
    created_at: new Date().toISOString(),
    read_at: null,
  };
}

async function insertNotification(db: Kysely<DB>, notification: NotificationTable): Promise<void> {
  await db.insertInto('notifications').values(notification).execute();
}

/** Which imports a history page or count takes; every filter is optional. */
export interface ImportFilter {
  readonly statuses?: readonly string[] | undefined;
  readonly flowId?: string | undefined;
  readonly sourceId?: string | undefined;
  /** created_at at or after `from` and before `to` (ISO 8601 UTC). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

function matching(filter: ImportFilter) {
  return (eb: ExpressionBuilder<DB, 'imports'>) => {
    const conditions: Expression<SqlBool>[] = [];
    if (filter.statuses && filter.statuses.length > 0) conditions.push(eb('status', 'in', [...filter.statuses]));
    if (filter.flowId) conditions.push(eb('flow_id', '=', filter.flowId));
    if (filter.sourceId) conditions.push(eb('source_id', '=', filter.sourceId));
    if (filter.from) conditions.push(eb('created_at', '>=', filter.from));
    if (filter.to) conditions.push(eb('created_at', '<', filter.to));
    return eb.and(conditions);
  };
}

/** A page of imports, newest first, that match the filter. */
export async function listImports(
  db: Kysely<DB>,
  options: ImportFilter & { limit?: number; offset?: number } = {},
): Promise<ImportRow[]> {
  return db
    .selectFrom('imports')
    .selectAll()
    .where(matching(options))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
    .execute();
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

/** How many imports match the filter (the history's total). */
export async function countImports(db: Kysely<DB>, filter: ImportFilter): Promise<number> {
  const row = await db
    .selectFrom('imports')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where(matching(filter))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** A row of an import that wrote a lead: a lead it created, or an update with the lead's fields before it. */
export interface ImportTouch {
  readonly rowNumber: number;
  readonly leadId: string;
  readonly created: boolean;
  /** When the import wrote it. */
  readonly at: string;
  /** For an update: the lead's fields before it (JSON). */
  readonly previous: string | null;
}

/**
 * The next `limit` rows of an import that wrote a lead, after row `afterRow`, in file order: the leads it
 * created (a created lead has no event of its own) merged with its updates.
 */
export async function findImportTouches(
  db: Kysely<DB>,
  importId: string,
  afterRow: number,
  limit: number,
): Promise<ImportTouch[]> {
  const created = await db
    .selectFrom('leads')
    .select(['id', 'row_number', 'created_at'])
    .where('import_id', '=', importId)
    .where('row_number', '>', afterRow)
    .orderBy('row_number')
    .limit(limit)
    .execute();
  const updated = await db
    .selectFrom('events')
    .select(['lead_id', 'row_number', 'created_at', 'previous'])
    .where('import_id', '=', importId)
    .where('previous', 'is not', null)
    .where('row_number', '>', afterRow)
    .orderBy('row_number')
    .limit(limit)
    .execute();
  const touches: ImportTouch[] = [];
  for (const row of created)
    touches.push({ rowNumber: row.row_number ?? 0, leadId: row.id, created: true, at: row.created_at, previous: null });
  for (const row of updated)
    if (row.lead_id)
      touches.push({
        rowNumber: row.row_number ?? 0,
        leadId: row.lead_id,
        created: false,
        at: row.created_at,
        previous: row.previous,
      });
  // Each list holds its first `limit` rows, so the first `limit` of both together are complete.
  return touches.sort((a, b) => a.rowNumber - b.rowNumber).slice(0, limit);
}

/** For each of the leads: the first row of the import that updated it. */
export async function findFirstUpdateRows(
  db: Kysely<DB>,
  importId: string,
  leadIds: readonly string[],
): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  for (let start = 0; start < leadIds.length; start += 1000) {
    const rows = await db
      .selectFrom('events')
      .select(['lead_id', (eb) => eb.fn.min<number>('row_number').as('first_row')])
      .where('import_id', '=', importId)
      .where('previous', 'is not', null)
      .where('lead_id', 'in', leadIds.slice(start, start + 1000))
      .groupBy('lead_id')
      .execute();
    for (const row of rows) if (row.lead_id) first.set(row.lead_id, Number(row.first_row));
  }
  return first;
}

/** A change to a lead (an update or merge) by a real-time submission or an import. */
export interface LeadChange {
  readonly leadId: string;
  readonly importId: string | null;
  readonly sourceId: string;
  readonly at: string;
}

/**
 * Changes to the leads made since `since` by anything but the given import, oldest first. Changes of
 * reverted imports are left out: their revert gave the lead its values back.
 */
export async function findOtherChanges(
  db: Kysely<DB>,
  importId: string,
  leadIds: readonly string[],
  since: string,
): Promise<LeadChange[]> {
  const changes: LeadChange[] = [];
  for (let start = 0; start < leadIds.length; start += 1000) {
    const rows = await db
      .selectFrom('events')
      .leftJoin('imports', 'imports.id', 'events.import_id')
      .select(['events.lead_id', 'events.import_id', 'events.source_id', 'events.created_at'])
      .where('events.lead_id', 'in', leadIds.slice(start, start + 1000))
      .where('events.action', 'in', ['updated', 'merged'])
      .where('events.created_at', '>=', since)
      .where((eb) => eb.or([eb('events.import_id', 'is', null), eb('events.import_id', '!=', importId)]))
      .where((eb) => eb.or([eb('imports.status', 'is', null), eb('imports.status', '!=', 'reverted')]))
      .execute();
    for (const row of rows)
      if (row.lead_id)
        changes.push({ leadId: row.lead_id, importId: row.import_id, sourceId: row.source_id, at: row.created_at });
  }
  return changes.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * The import's status and revert figures, for a revert batch's transaction. PostgreSQL: the row is locked,
 * as are the given leads, so a second worker waits and no submission changes them between check and write
 * (SQLite's transactions already write one at a time).
 */
export async function lockForRevert(
  trx: Transaction<DB>,
  importId: string,
): Promise<Pick<ImportRow, 'status' | 'revert' | 'file_name' | 'flow_id' | 'source_id'> | undefined> {
  const query = trx
    .selectFrom('imports')
    .select(['status', 'revert', 'file_name', 'flow_id', 'source_id'])
    .where('id', '=', importId);
  return (dialectOf(trx) === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
}

/** Locks leads a revert batch is about to change (PostgreSQL; see lockForRevert). */
export async function lockLeads(trx: Transaction<DB>, leadIds: readonly string[]): Promise<void> {
  if (dialectOf(trx) !== 'postgres' || leadIds.length === 0) return;
  await trx
    .selectFrom('leads')
    .select('id')
    .where('id', 'in', [...leadIds])
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Deletes leads with their duplicate keys. */
export async function deleteLeads(trx: Transaction<DB>, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  // duplicate_keys has no lead_id index (it would be written on every imported row): a scan per batch.
  await trx
    .deleteFrom('duplicate_keys')
    .where('lead_id', 'in', [...leadIds])
    .execute();
  await trx
    .deleteFrom('leads')
    .where('id', 'in', [...leadIds])
    .execute();
}

/** Gives a lead back the fields it had (JSON). */
export async function restoreLeadFields(
  trx: Transaction<DB>,
  leadId: string,
  fields: string,
  now: string,
): Promise<void> {
  await trx.updateTable('leads').set({ fields, updated_at: now }).where('id', '=', leadId).execute();
}

/** Saves a revert's figures (RevertResult JSON), unless the import was reverted meanwhile. */
export async function saveRevert(db: Kysely<DB>, importId: string, revert: string): Promise<void> {
  await db
    .updateTable('imports')
    .set({ revert })
    .where('id', '=', importId)
    .where('status', 'in', statesBefore('reverted'))
    .execute();
}

/**
 * Moves an import to `reverted` with its revert's final figures (guarded by the transition table) and
 * records the in-app notification; false when the import was not in a state to be reverted.
 */
export async function markReverted(
  trx: Transaction<DB>,
  importId: string,
  revert: string,
  notice: { flowId: string | null; sourceId: string | null; message: string },
): Promise<boolean> {
  const result = await trx
    .updateTable('imports')
    .set({ status: 'reverted', revert })
    .where('id', '=', importId)
    .where('status', 'in', statesBefore('reverted'))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await insertNotification(trx, {
    id: newId(),
    kind: 'import_reverted',
    import_id: importId,
    flow_id: notice.flowId,
    source_id: notice.sourceId,
    status: 'reverted',
    message: notice.message,
    created_at: new Date().toISOString(),
    read_at: null,
  });
  const reverted = await findImport(trx, importId);
  // In the revert's transaction; the caller's dispatchPendingDeliveries enqueues the POST.
  if (reverted) await recordImportDelivery(trx, reverted);
  return true;
}
