import type { Store } from './db/database.js';

/** How long an Idempotency-Key's answer is kept for retries (as Stripe does). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Deletes expired sessions and idempotency answers; returns how many rows went. */
export async function pruneExpired(store: Store, now = new Date()): Promise<number> {
  const sessions = await store.db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  const keys = await store.db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString())
    .executeTakeFirst();
  return Number(sessions.numDeletedRows) + Number(keys.numDeletedRows);
}

/** Runs pruneExpired now and every hour while the server runs; returns a function that stops it. */
export function startMaintenance(store: Store, onError: (error: unknown) => void): () => void {
  const run = () => void pruneExpired(store).catch(onError);
  run();
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
