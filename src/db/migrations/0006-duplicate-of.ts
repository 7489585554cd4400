import type { Kysely } from 'kysely';

/**
 * A submission rejected as a duplicate names the lead it matched and by which key (field names, not values),
 * so the failed-records file can say "email matches row 12 of this file" instead of just "duplicate".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('duplicate_of', 'text').execute();
  await db.schema.alterTable('events').addColumn('duplicate_key', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('duplicate_key').execute();
  await db.schema.alterTable('events').dropColumn('duplicate_of').execute();
}
