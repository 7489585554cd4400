import type { Kysely } from 'kysely';

/**
 * Imports whose rows name their own flow and source (the file's `flow_id` and `source_id` columns): such an
 * import has no flow or source of its own (null), only the routing flag.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('imports')
    .addColumn('route_by_columns', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('imports').dropColumn('route_by_columns').execute();
}
