import { createHash } from 'node:crypto';
import { sql, type Insertable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { StoredFields } from '../core/dedup.js';
import { chunkForInsert } from '../db/batch.js';
import { copyText } from '../db/copy-text.js';
import { copyInto, type RowWriter } from '../db/database.js';
import type { DB, EventTable, LeadTable } from '../db/schema.js';

export interface ClaimedKey {
  key: string;
  leadId: string;
  createdAt: string;
}

/** The stored owners of the given duplicate keys in a scope (on SQLite, one prepared lookup per key). */
export async function findDuplicateKeys(
  db: Kysely<DB>,
  writer: RowWriter | null,
  scope: string,
  keys: readonly string[],
): Promise<Map<string, ClaimedKey>> {
  const found = new Map<string, ClaimedKey>();
  if (writer && keys.length > 0) {
    const { sql } = db
      .selectFrom('duplicate_keys')
      .select(['key', 'lead_id', 'created_at'])
      .where('scope', '=', scope)
      .where('key', '=', '')
      .compile();
    const rows = writer.all(
      sql,
      keys.map((key) => [scope, key]),
    ) as { key: string; lead_id: string; created_at: string }[];
    for (const row of rows) found.set(row.key, { key: row.key, leadId: row.lead_id, createdAt: row.created_at });
    return found;
  }
  for (const chunk of chunkForInsert(keys, 1)) {
    const rows = await db
      .selectFrom('duplicate_keys')
      .select(['key', 'lead_id', 'created_at'])
      .where('scope', '=', scope)
      .where('key', 'in', chunk)
      .execute();
    for (const row of rows) found.set(row.key, { key: row.key, leadId: row.lead_id, createdAt: row.created_at });
  }
  return found;
}

/** Removes keys whose owners fell out of the look-back window, so new leads may claim them. */
export async function releaseExpiredKeys(
  trx: Transaction<DB>,
  scope: string,
  keys: readonly string[],
  cutoff: string,
): Promise<void> {
  for (const chunk of chunkForInsert(keys, 1)) {
    await trx
      .deleteFrom('duplicate_keys')
      .where('scope', '=', scope)
      .where('key', 'in', chunk)
      .where('created_at', '<', cutoff)
      .execute();
  }
}

/**
 * Claims duplicate keys for new leads. A key another transaction holds is not claimed (the unique primary
 * key decides, on both dialects); returns how many were claimed.
 */
export async function claimDuplicateKeys(
  trx: Transaction<DB>,
  writer: RowWriter | null,
  scope: string,
  claims: readonly { key: string; leadId: string }[],
  now: string,
): Promise<number> {
  const rows = claims.map((claim) => ({ scope, key: claim.key, lead_id: claim.leadId, created_at: now }));
  const first = rows[0];
  if (!first) return 0;
  if (writer) {
    const { sql } = trx
      .insertInto('duplicate_keys')
      .values(first)
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .compile();
    return writer.run(
      sql,
      rows.map((row) => [row.scope, row.key, row.lead_id, row.created_at]),
    );
  }
  return insertUnnest(trx, 'duplicate_keys', rows, sql`on conflict (scope, key) do nothing`);
}

/** The stored fields of the given leads. */
export async function findLeadFields(db: Kysely<DB>, leadIds: readonly string[]): Promise<Map<string, StoredFields>> {
  const found = new Map<string, StoredFields>();
  for (const chunk of chunkForInsert(leadIds, 1)) {
    const rows = await db.selectFrom('leads').select(['id', 'fields']).where('id', 'in', chunk).execute();
    for (const row of rows) found.set(row.id, JSON.parse(row.fields) as StoredFields);
  }
  return found;
}

type InsertableTable = 'leads' | 'events';

const INTEGER_COLUMNS: ReadonlySet<string> = new Set(['row_number', 'duplicate', 'duration_us']);

/**
 * PostgreSQL: one `INSERT ... SELECT FROM unnest(...)` with an array per column for a whole batch, instead of
 * multi-row VALUES with thousands of parameters for the server to parse. Returns the rows inserted.
 */
async function insertUnnest(
  trx: Transaction<DB>,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflict: RawBuilder<unknown> | null,
): Promise<number> {
  const first = rows[0];
  if (!first) return 0;
  const columns = Object.keys(first);
  const arrays = columns.map(
    (column) =>
      sql`${rows.map((row) => row[column] ?? null)}::${sql.raw(INTEGER_COLUMNS.has(column) ? 'integer[]' : 'text[]')}`,
  );
  const result =
    await sql`insert into ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column)))}) select * from unnest(${sql.join(arrays)}) ${conflict ?? sql``}`.execute(
      trx,
    );
  return Number(result.numAffectedRows ?? 0);
}

// A batch of at least this many rows goes through COPY; fewer (a real-time group, the end of a file) go in
// one INSERT over arrays, for which a COPY and a second statement would only add a round trip.
const COPY_MIN_ROWS = 100;

/**
 * PostgreSQL, a large batch: the rows are streamed with `COPY ... FROM STDIN` into a temporary staging
 * table, then moved into `table` by one `INSERT ... SELECT`, a statement that could take a conflict clause
 * as COPY cannot. The rows travel as one text stream, cheaper to build than an array parameter per column
 * (docs/performance.md has the measurements). The staging table belongs to the connection: created by the
 * first batch that needs it (one per connection, not per transaction: creating and dropping a table per
 * batch cost the server more than COPY saved), kept for the next, and emptied by the move itself (a batch
 * may store several parts) and by every commit.
 */
async function insertCopied(
  trx: Transaction<DB>,
  table: InsertableTable,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const stagingTable = `pg_temp.leadport_staging_${table}`;
  const staging = sql.table(stagingTable);
  await sql`create temp table if not exists ${staging} (like ${sql.table(table)} including defaults) on commit delete rows`.execute(
    trx,
  );
  await copyInto(trx, stagingTable, columns, copyText(rows.map((row) => columns.map((column) => row[column]))));
  const list = sql.join(columns.map((column) => sql.ref(column)));
  await sql`with moved as (delete from ${staging} returning ${list}) insert into ${sql.table(table)} (${list}) select ${list} from moved`.execute(
    trx,
  );
}

/**
 * Inserts many rows: on SQLite one Kysely-compiled single-row statement run per row (RowWriter); on
 * PostgreSQL a COPY through a staging table for a large batch, one statement over arrays for a small one.
 */
async function insertRows<T extends InsertableTable>(
  trx: Transaction<DB>,
  writer: RowWriter | null,
  table: T,
  rows: readonly Insertable<DB[T]>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first) as (keyof typeof first)[];
  if (writer) {
    const { sql: statement } = trx
      .insertInto(table)
      .values(first as never)
      .compile();
    writer.run(
      statement,
      rows.map((row) => columns.map((column) => row[column])),
    );
    return;
  }
  const records = rows as readonly Record<string, unknown>[];
  if (records.length >= COPY_MIN_ROWS) await insertCopied(trx, table, records);
  else await insertUnnest(trx, table, records, null);
}

export async function insertLeads(
  trx: Transaction<DB>,
  writer: RowWriter | null,
  leads: readonly LeadTable[],
): Promise<void> {
  await insertRows(trx, writer, 'leads', leads);
}

export async function insertEvents(
  trx: Transaction<DB>,
  writer: RowWriter | null,
  events: readonly EventTable[],
): Promise<void> {
  await insertRows(trx, writer, 'events', events);
}

/**
 * Overwrites the fields of stored leads, one statement per batch: on SQLite one Kysely-compiled single-row
 * UPDATE, prepared once and run per lead (RowWriter); on PostgreSQL one `UPDATE ... FROM unnest(ids,
 * fields)`, so a batch of duplicates costs one round trip, not one per lead.
 */
export async function updateLeadFields(
  trx: Transaction<DB>,
  writer: RowWriter | null,
  updates: ReadonlyMap<string, StoredFields>,
  now: string,
): Promise<void> {
  if (updates.size === 0) return;
  const ids = [...updates.keys()];
  const fields = [...updates.values()].map((value) => JSON.stringify(value));
  if (writer) {
    const { sql: statement } = trx
      .updateTable('leads')
      .set({ fields: '', updated_at: '' })
      .where('id', '=', '')
      .compile();
    writer.run(
      statement,
      ids.map((id, index) => [fields[index], now, id]),
    );
    return;
  }
  await sql`update leads set fields = v.fields, updated_at = ${now} from unnest(${ids}::text[], ${fields}::text[]) as v(id, fields) where leads.id = v.id`.execute(
    trx,
  );
}

export interface LeadFilter {
  flowId?: string | undefined;
  sourceId?: string | undefined;
}

/** A page of stored leads after a lead id (ids are time-ordered), oldest first. */
export async function findLeadsPage(db: Kysely<DB>, filter: LeadFilter, afterId: string | null, limit: number) {
  let query = db
    .selectFrom('leads')
    .select(['id', 'flow_id', 'source_id', 'fields', 'created_at'])
    .orderBy('id')
    .limit(limit);
  if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
  if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.execute();
}

// The first half of every advisory lock Leadport takes on duplicate keys, so they never meet another
// application's (or a job queue's) advisory locks in the same database.
const KEY_LOCK_CLASS = 0x4c50;

/**
 * PostgreSQL: takes a transaction-scoped advisory lock per duplicate key (a 32-bit hash of scope and key),
 * in ascending order so that writers locking overlapping keys queue instead of deadlocking. Held until the
 * transaction ends; a hash collision only makes two unrelated keys take turns.
 */
export async function lockDuplicateKeys(
  trx: Transaction<DB>,
  groups: readonly { readonly scope: string; readonly keys: readonly string[] }[],
): Promise<void> {
  const hashes = [...new Set(groups.flatMap(({ scope, keys }) => keys.map((key) => keyLockHash(scope, key))))].sort(
    (a, b) => a - b,
  );
  if (hashes.length === 0) return;
  await sql`select count(pg_advisory_xact_lock(${KEY_LOCK_CLASS}, h)) from unnest(${hashes}::integer[]) as t(h)`.execute(
    trx,
  );
}

function keyLockHash(scope: string, key: string): number {
  return createHash('sha1').update(scope).update('\u0000').update(key).digest().readInt32BE(0);
}
