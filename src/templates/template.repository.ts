import type { Kysely } from 'kysely';
import type { DB, TemplateTable } from '../db/schema.js';

export type TemplateRow = TemplateTable;

export async function findTemplate(db: Kysely<DB>, flowId: string, idOrName: string): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('flow_id', '=', flowId)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
}

export async function findTemplateByFingerprint(
  db: Kysely<DB>,
  flowId: string,
  fingerprint: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('flow_id', '=', flowId)
    .where('fingerprint', '=', fingerprint)
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
}

export async function listTemplates(db: Kysely<DB>, flowId?: string): Promise<TemplateRow[]> {
  let query = db.selectFrom('templates').selectAll().orderBy('flow_id').orderBy('name');
  if (flowId) query = query.where('flow_id', '=', flowId);
  return query.execute();
}

/** Inserts a template, or replaces the mapping of the flow's template with the same name. */
export async function upsertTemplate(db: Kysely<DB>, row: TemplateRow): Promise<void> {
  await db
    .insertInto('templates')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['flow_id', 'name'])
        .doUpdateSet({ mapping: row.mapping, fingerprint: row.fingerprint, updated_at: row.updated_at }),
    )
    .execute();
}

export async function findTemplateById(db: Kysely<DB>, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Renames a template; returns whether it exists. */
export async function renameTemplateRow(db: Kysely<DB>, id: string, name: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('templates')
    .set({ name, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes a template; returns whether it existed. */
export async function deleteTemplateRow(db: Kysely<DB>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('templates').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
