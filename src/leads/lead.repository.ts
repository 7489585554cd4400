import type { Kysely, Transaction } from 'kysely';
import type { StoredFields } from '../core/dedup.js';
import { chunkForInsert } from '../db/batch.js';
import type { DB, EventTable, LeadTable } from '../db/schema.js';

export interface ClaimedKey {
  key: string;
  leadId: string;
  createdAt: string;
}

/** The stored owners of the given duplicate keys in a scope. */
export async function findDuplicateKeys(db: Kysely<DB>, scope: string, keys: readonly string[]): Promise<Map<string, ClaimedKey>> {
  const found = new Map<string, ClaimedKey>();
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
export async function releaseExpiredKeys(trx: Transaction<DB>, scope: string, keys: readonly string[], cutoff: string): Promise<void> {
  for (const chunk of chunkForInsert(keys, 1)) {
    await trx.deleteFrom('duplicate_keys').where('scope', '=', scope).where('key', 'in', chunk).where('created_at', '<', cutoff).execute();
  }
}

/**
 * Claims duplicate keys for new leads. A key another transaction holds is not claimed (the unique primary
 * key decides, on both dialects); the keys that were claimed are returned.
 */
export async function claimDuplicateKeys(
  trx: Transaction<DB>,
  scope: string,
  claims: readonly { key: string; leadId: string }[],
  now: string,
): Promise<Set<string>> {
  const claimed = new Set<string>();
  for (const chunk of chunkForInsert(claims, 4)) {
    const rows = await trx
      .insertInto('duplicate_keys')
      .values(chunk.map((claim) => ({ scope, key: claim.key, lead_id: claim.leadId, created_at: now })))
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .execute();
    for (const row of rows) claimed.add(row.key);
  }
  return claimed;
}

/** Drops the keys held by the given leads (leads that lost a race and became duplicates). */
export async function dropKeysOfLeads(trx: Transaction<DB>, leadIds: readonly string[]): Promise<void> {
  for (const chunk of chunkForInsert(leadIds, 1)) {
    await trx.deleteFrom('duplicate_keys').where('lead_id', 'in', chunk).execute();
  }
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

const LEAD_COLUMNS = 9;
const EVENT_COLUMNS = 14;

export async function insertLeads(trx: Transaction<DB>, leads: readonly LeadTable[]): Promise<void> {
  for (const chunk of chunkForInsert(leads, LEAD_COLUMNS)) await trx.insertInto('leads').values(chunk).execute();
}

export async function updateLeadFields(trx: Transaction<DB>, leadId: string, fields: StoredFields, now: string): Promise<void> {
  await trx.updateTable('leads').set({ fields: JSON.stringify(fields), updated_at: now }).where('id', '=', leadId).execute();
}

export async function insertEvents(trx: Transaction<DB>, events: readonly EventTable[]): Promise<void> {
  for (const chunk of chunkForInsert(events, EVENT_COLUMNS)) await trx.insertInto('events').values(chunk).execute();
}

export interface LeadFilter {
  flowId?: string | undefined;
  sourceId?: string | undefined;
}

/** A page of stored leads after a lead id (ids are time-ordered), oldest first. */
export async function findLeadsPage(db: Kysely<DB>, filter: LeadFilter, afterId: string | null, limit: number) {
  let query = db.selectFrom('leads').select(['id', 'flow_id', 'source_id', 'fields', 'created_at']).orderBy('id').limit(limit);
  if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
  if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
  if (afterId) query = query.where('id', '>', afterId);
  return query.execute();
}
