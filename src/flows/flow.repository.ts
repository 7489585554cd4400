import type { Kysely, Transaction } from 'kysely';
import type { FlowSpec } from '../core/flow-spec.js';
import type { DB } from '../db/schema.js';
import type { FlowSummary } from './flow.schema.js';

/** Reads a flow's spec, or undefined when there is no such flow. */
export async function findFlowSpec(db: Kysely<DB>, flowId: string): Promise<FlowSpec | undefined> {
  const row = await db.selectFrom('flows').select('spec').where('id', '=', flowId).executeTakeFirst();
  return row ? (JSON.parse(row.spec) as FlowSpec) : undefined;
}

/** A flow's webhook secret (null while it has none), or undefined when there is no such flow. */
export async function findWebhookSecret(db: Kysely<DB>, flowId: string): Promise<string | null | undefined> {
  const row = await db.selectFrom('flows').select('webhook_secret').where('id', '=', flowId).executeTakeFirst();
  return row?.webhook_secret;
}

/**
 * Sets a flow's webhook secret. With `onlyIfMissing` a secret already there is kept, in the same UPDATE,
 * so two callers making one at once end up with the same.
 */
export async function saveWebhookSecret(
  db: Kysely<DB>,
  flowId: string,
  secret: string,
  options: { onlyIfMissing: boolean },
): Promise<void> {
  let update = db.updateTable('flows').set({ webhook_secret: secret }).where('id', '=', flowId);
  if (options.onlyIfMissing) update = update.where('webhook_secret', 'is', null);
  await update.execute();
}

/** Every flow's spec, by id. */
export async function listFlowSpecs(db: Kysely<DB>): Promise<FlowSpec[]> {
  const rows = await db.selectFrom('flows').select('spec').orderBy('id').execute();
  return rows.map((row) => JSON.parse(row.spec) as FlowSpec);
}

/** Lists flows with their field counts and attached sources. */
export async function listFlows(db: Kysely<DB>): Promise<FlowSummary[]> {
  const rows = await db.selectFrom('flows').select(['id', 'name', 'spec', 'updated_at']).orderBy('id').execute();
  return rows.map((row) => {
    const spec = JSON.parse(row.spec) as FlowSpec;
    return {
      id: row.id,
      name: row.name,
      fields: spec.fields.length,
      sources: spec.sources.map((s) => s.id),
      updatedAt: row.updated_at,
    };
  });
}

/** Writes a flow, its fields and its sources; the caller decides whether anything changed. */
export async function saveFlow(trx: Transaction<DB>, spec: FlowSpec, now: string, exists: boolean): Promise<void> {
  const specJson = JSON.stringify(spec);
  if (exists) {
    await trx
      .updateTable('flows')
      .set({ name: spec.name, spec: specJson, updated_at: now })
      .where('id', '=', spec.id)
      .execute();
  } else {
    await trx
      .insertInto('flows')
      .values({ id: spec.id, name: spec.name, spec: specJson, created_at: now, updated_at: now })
      .execute();
  }
  await trx.deleteFrom('fields').where('flow_id', '=', spec.id).execute();
  await trx
    .insertInto('fields')
    .values(
      spec.fields.map((field, position) => ({
        flow_id: spec.id,
        name: field.name,
        label: field.label,
        type: field.type,
        required: field.required ? 1 : 0,
        aliases: JSON.stringify(field.aliases),
        choices: JSON.stringify(field.choices),
        custom: field.custom ? 1 : 0,
        position,
      })),
    )
    .execute();
  for (const source of spec.sources) {
    await trx
      .insertInto('sources')
      .values({ id: source.id, name: source.name, created_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: source.name }))
      .execute();
  }
  await trx.deleteFrom('flow_sources').where('flow_id', '=', spec.id).execute();
  if (spec.sources.length > 0) {
    await trx
      .insertInto('flow_sources')
      .values(spec.sources.map((source) => ({ flow_id: spec.id, source_id: source.id })))
      .execute();
  }
}
