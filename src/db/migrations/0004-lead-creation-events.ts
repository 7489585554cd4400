import { sql, type Kysely } from 'kysely';

/**
 * A lead created by an import row stands for that row's creation event: the import path stops writing a
 * second row (with three index entries) that repeats the lead's flow, source, import, row and time, which
 * was a third of an import's writes. Leads keep the row's evaluation time; the leads view pages these rows
 * by a created_at index, which replaces the source/created index no query used.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('leads').addColumn('duration_us', 'integer').execute();
  await sql`
    update leads set duration_us = (
      select e.duration_us from events e where e.lead_id = leads.id and e.action = 'created' and e.import_id = leads.import_id
    )
    where import_id is not null`.execute(db);
  await sql`
    delete from events
    where action = 'created' and import_id is not null
      and exists (select 1 from leads l where l.id = events.lead_id and l.import_id = events.import_id)`.execute(db);
  await db.schema.dropIndex('leads_source_created_idx').execute();
  await db.schema.createIndex('leads_created_idx').on('leads').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    insert into events (id, flow_id, source_id, import_id, row_number, outcome, action, reason, lead_id, duplicate, raw_row, previous, duration_us, created_at)
    select id, flow_id, source_id, import_id, row_number, 'success', 'created', null, id, 0, null, null, coalesce(duration_us, 0), created_at
    from leads where import_id is not null`.execute(db);
  await db.schema.dropIndex('leads_created_idx').execute();
  await db.schema.createIndex('leads_source_created_idx').on('leads').columns(['source_id', 'created_at']).execute();
  await db.schema.alterTable('leads').dropColumn('duration_us').execute();
}
