import type { Kysely } from 'kysely';
import { idTime } from './core/ids.js';
import type { Store } from './db/database.js';
import type { DB } from './db/schema.js';
import type { JobRunner } from './jobs/job-runner.js';

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

/** How long an upload may take at most: chunks older than this with no import are a dead upload's. */
export const ORPHAN_UPLOAD_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes the chunks of uploads that never became an import: a process killed mid-upload leaves its chunks
 * (a failed upload deletes its own). An upload stores its chunks before it records its import, so only
 * chunks whose import id (a UUIDv7, so it tells when the upload began) is older than ORPHAN_UPLOAD_AGE_MS
 * go. Returns how many uploads' chunks went.
 */
export async function removeOrphanUploads(db: Kysely<DB>, now = new Date()): Promise<number> {
  const orphans = await db
    .selectFrom('import_files')
    .select('import_id')
    .distinct()
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('imports').select('id').whereRef('imports.id', '=', 'import_files.import_id'))),
    )
    .execute();
  const dead = orphans.map((row) => row.import_id).filter((id) => idTime(id) < now.getTime() - ORPHAN_UPLOAD_AGE_MS);
  for (const id of dead) await db.deleteFrom('import_files').where('import_id', '=', id).execute();
  return dead.length;
}

/** How long a finished job's row is kept (for a look at what ran) before housekeeping deletes it. */
export const DONE_JOB_TTL_MS = 24 * 60 * 60 * 1000;
// Expired imports read at a time; each one's file then goes in its own transaction (up to 512 chunks of 1 MB).
const FILES_PER_STEP = 100;

/**
 * Deletes the uploaded files (import_files chunks) of imports created more than `retentionMs` ago that no
 * job is reading (not queued or processing), and marks them with file_deleted_at; the import, its reports,
 * events and counts stay. Returns how many files went.
 */
export async function removeExpiredFiles(db: Kysely<DB>, retentionMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs).toISOString();
  let removed = 0;
  for (;;) {
    const expired = await db
      .selectFrom('imports')
      .select('id')
      .where('created_at', '<', cutoff)
      .where('status', 'not in', ['queued', 'processing'])
      .where('file_deleted_at', 'is', null)
      .where((eb) =>
        eb.exists(eb.selectFrom('import_files').select('chunk').whereRef('import_files.import_id', '=', 'imports.id')),
      )
      .limit(FILES_PER_STEP)
      .execute();
    if (expired.length === 0) return removed;
    for (const { id } of expired) {
      await db.transaction().execute(async (trx) => {
        // Guarded again: an import started since the query keeps its file.
        const marked = await trx
          .updateTable('imports')
          .set({ file_deleted_at: now.toISOString() })
          .where('id', '=', id)
          .where('status', 'not in', ['queued', 'processing'])
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) > 0)
          await trx.deleteFrom('import_files').where('import_id', '=', id).execute();
      });
    }
    removed += expired.length;
  }
}

/** Deletes the rows of jobs that ended well more than a day ago (failed ones stay, to be looked into). */
export async function pruneDoneJobs(db: Kysely<DB>, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('jobs')
    .where('status', '=', 'done')
    .where('finished_at', '<', new Date(now.getTime() - DONE_JOB_TTL_MS).toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Runs pruneExpired now and every hour while the server runs, and queues the housekeeping job (expired
 * files, finished jobs) as often, once at a time whichever process takes it; returns a function that stops
 * it.
 */
export function startMaintenance(store: Store, jobs: JobRunner, onError: (error: unknown) => void): () => void {
  const run = () => {
    void pruneExpired(store.db).catch(onError);
    void jobs.enqueue('housekeeping', {}, { key: 'housekeeping' }).catch(onError);
  };
  run();
  const timer = setInterval(run, 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
