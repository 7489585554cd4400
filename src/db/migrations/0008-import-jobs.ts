import type { Kysely } from 'kysely';

/**
 * Import jobs: a job queue table (the embedded runner's), uploaded files in chunks, the validation report,
 * inline row fixes, webhook deliveries, and the import's lease, validation, revert and file columns.
 * Binary chunks are `bytea`: PostgreSQL's type; SQLite stores a blob as it is under any declared type.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // One live job per key (an import's id): enqueueing it again while it waits or runs does nothing.
    .addColumn('job_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_key_idx').on('jobs').column('job_key').execute();

  await db.schema
    .createTable('import_files')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('chunk', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_files_pk', ['import_id', 'chunk'])
    .execute();

  await db.schema
    .createTable('import_report_rows')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('row_number', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('cells', 'text', (c) => c.notNull())
    .addColumn('duplicate_of', 'text')
    .addColumn('duplicate_key', 'text')
    .addPrimaryKeyConstraint('import_report_rows_pk', ['import_id', 'row_number'])
    .execute();

  await db.schema
    .createTable('import_row_fixes')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('row_number', 'integer', (c) => c.notNull())
    .addColumn('cells', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_row_fixes_pk', ['import_id', 'row_number'])
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow_id', 'text', (c) => c.notNull())
    .addColumn('import_id', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_flow_idx')
    .on('webhook_deliveries')
    .columns(['flow_id', 'created_at'])
    .execute();

  await db.schema.alterTable('flows').addColumn('webhook_secret', 'text').execute();

  const importColumns: [string, 'text' | 'integer' | 'real', unknown][] = [
    ['template_id', 'text', null],
    // A CLI import reads its local file from here; an upload's file is in import_files.
    ['file_path', 'text', null],
    ['file_stored', 'integer', 0],
    ['file_deleted_at', 'text', null],
    ['mapping_choices', 'text', null],
    ['unchanged', 'integer', 0],
    ['fixed', 'integer', 0],
    ['fraction_read', 'real', 0],
    ['lease_token', 'text', null],
    ['lease_expires_at', 'text', null],
    ['cancel_requested', 'integer', 0],
    ['validation', 'text', null],
    ['revert', 'text', null],
  ];
  for (const [name, type, initial] of importColumns) {
    await db.schema
      .alterTable('imports')
      .addColumn(name, type, (c) => (initial === null ? c : c.notNull().defaultTo(initial)))
      .execute();
  }
  // A revert walks an import's leads in row order, a batch at a time: the row number in the index saves
  // reading and sorting all the import's remaining leads for each batch.
  await db.schema.dropIndex('leads_import_idx').execute();
  await db.schema.createIndex('leads_import_row_idx').on('leads').columns(['import_id', 'row_number']).execute();
  await db.schema.createIndex('imports_status_idx').on('imports').column('status').execute();
  await db.schema.createIndex('imports_sha_idx').on('imports').columns(['flow_id', 'file_sha256']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['jobs', 'import_files', 'import_report_rows', 'import_row_fixes', 'webhook_deliveries'])
    await db.schema.dropTable(table).ifExists().execute();
}
