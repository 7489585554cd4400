import type { Kysely } from 'kysely';
import type { Store } from './db/database.js';
import type { DB } from './db/schema.js';

/** How long an Idempotency-Key's answer is kept for retries (as Stripe does). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Deletes expired sessions and idempotency answers; returns how many rows went. */
export async function pruneExpired(db: Kysely<DB>, now = new Date()): Promise<number> {
  const sessions = await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  const keys = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString())
    .executeTakeFirst();
  return Number(sessions.numDeletedRows) + Number(keys.numDeletedRows);
}

/** Runs pruneExpired now and every hour while the server runs; returns a function that stops it. */
export function startMaintenance(store: Store, onError: (error: unknown) => void): () => void {
  const run = () => void pruneExpired(store.db).catch(onError);
  run();
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
