import type { Kysely } from 'kysely';

/**
 * A submission that updated or merged into a stored lead keeps the normalised values it carried itself, so
 * its source is shown what it sent and never the stored lead's other fields (which may be another source's).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('fields', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').dropColumn('fields').execute();
}
