import type { ExpressionBuilder, Kysely, Transaction } from 'kysely';
import { dialectOf } from '../db/database.js';
import type { DB, ImportPartTable } from '../db/schema.js';
import { findImport, LeaseLost, NO_COUNTS, type ImportCounts, type ImportRow } from './import.repository.js';

export type ImportPartRow = ImportPartTable;

/** A part's states: a part that is done, cancelled or stopped runs no more. */
export type PartStatus = 'queued' | 'processing' | 'done' | 'cancelled' | 'stopped';
export const ENDED_PART_STATES: readonly PartStatus[] = ['done', 'cancelled', 'stopped'];

/**
 * The lease a split import holds while its parts run: no worker can take it (it never runs out), so the
 * import is never also run as a whole; finishImport clears it when the last part ends the import.
 */
const SPLIT_LEASE = { lease_token: 'parts', lease_expires_at: '9999-12-31T23:59:59.999Z' } as const;

/** Who may write a part: the token of the worker holding the part's lease. */
export interface PartLease {
  readonly importId: string;
  readonly part: number;
  readonly token: string;
}

/** Thrown in a part's transaction when its import ended meanwhile (another part failed it): the part stops. */
export class ImportStopped extends Error {
  constructor(importId: string) {
    super(`import ${importId} ended while this part ran; the part stops without writing`);
    this.name = 'ImportStopped';
  }
}

function partLost(lease: PartLease): LeaseLost {
  return new LeaseLost(`${lease.importId} (part ${lease.part})`);
}

function leaseEnd(leaseMs: number): string {
  return new Date(Date.now() + leaseMs).toISOString();
}

/**
 * Splits an import: hands its lease from the worker holding `token` to its parts (SPLIT_LEASE) and adds
 * one queued row per part, in the caller's transaction. LeaseLost when `token` no longer holds the import.
 */
export async function splitIntoParts(
  trx: Transaction<DB>,
  importId: string,
  token: string,
  parts: number,
): Promise<void> {
  const taken = await trx
    .updateTable('imports')
    .set(SPLIT_LEASE)
    .where('id', '=', importId)
    .where('lease_token', '=', token)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 0) throw new LeaseLost(importId);
  await trx
    .insertInto('import_parts')
    .values(
      Array.from({ length: parts }, (_, part) => ({
        import_id: importId,
        part,
        parts,
        ...NO_COUNTS,
        fraction_read: 0,
        lease_token: null,
        lease_expires_at: null,
        status: 'queued',
      })),
    )
    .execute();
}

/** An import's parts in order (none for an import that runs as one). */
export async function findParts(db: Kysely<DB>, importId: string): Promise<ImportPartRow[]> {
  return db.selectFrom('import_parts').selectAll().where('import_id', '=', importId).orderBy('part').execute();
}

export async function findPart(db: Kysely<DB>, importId: string, part: number): Promise<ImportPartRow | undefined> {
  return db
    .selectFrom('import_parts')
    .selectAll()
    .where('import_id', '=', importId)
    .where('part', '=', part)
    .executeTakeFirst();
}

/**
 * Takes a queued (or abandoned processing) part's lease for a worker, moving it to processing, in one
 * guarded UPDATE; with `renew`, only extends a lease the token holds. Returns the part as taken, or
 * undefined when it is not this worker's to run.
 */
export async function claimPartLease(
  db: Kysely<DB>,
  lease: PartLease,
  leaseMs: number,
  renew = false,
): Promise<ImportPartRow | undefined> {
  const now = new Date().toISOString();
  let update = db
    .updateTable('import_parts')
    .set({ lease_token: lease.token, lease_expires_at: leaseEnd(leaseMs) })
    .where('import_id', '=', lease.importId)
    .where('part', '=', lease.part);
  if (renew) update = update.where('lease_token', '=', lease.token);
  else
    update = update
      .set({ status: 'processing' })
      .where('status', 'in', ['queued', 'processing'])
      .where((eb) => eb.or([eb('lease_token', 'is', null), eb('lease_expires_at', '<', now)]));
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return undefined;
  return findPart(db, lease.importId, lease.part);
}

/**
 * Records a committed batch of a part in the batch's own transaction: the part's progress (only while
 * `lease` holds it, renewing it: LeaseLost otherwise, and the batch rolls back) and the batch's counts
 * added to the import's (increments, so parts commit side by side), whose `fraction_read` becomes the
 * parts' mean. ImportStopped when the import is no longer processing. Returns whether the user asked to
 * cancel the import.
 */
export async function savePartProgress(
  trx: Transaction<DB>,
  lease: PartLease,
  batch: ImportCounts,
  fractionRead: number,
  leaseMs: number,
): Promise<boolean> {
  const mine = await trx
    .updateTable('import_parts')
    .set((eb) => ({
      committed_rows: batch.committed_rows,
      total: eb('total', '+', batch.total),
      created: eb('created', '+', batch.created),
      updated: eb('updated', '+', batch.updated),
      unchanged: eb('unchanged', '+', batch.unchanged),
      failed: eb('failed', '+', batch.failed),
      duplicates: eb('duplicates', '+', batch.duplicates),
      fraction_read: fractionRead,
      lease_expires_at: leaseEnd(leaseMs),
    }))
    .where(heldBy(lease))
    .where('status', '=', 'processing')
    .executeTakeFirst();
  if (Number(mine.numUpdatedRows) === 0) throw partLost(lease);
  const saved = await trx
    .updateTable('imports')
    .set((eb) => ({
      total: eb('total', '+', batch.total),
      created: eb('created', '+', batch.created),
      updated: eb('updated', '+', batch.updated),
      unchanged: eb('unchanged', '+', batch.unchanged),
      failed: eb('failed', '+', batch.failed),
      duplicates: eb('duplicates', '+', batch.duplicates),
      fraction_read: eb
        .selectFrom('import_parts')
        .select((parts) => parts.fn.avg<number>('fraction_read').as('mean'))
        .where('import_id', '=', lease.importId),
    }))
    .where('id', '=', lease.importId)
    .where('status', '=', 'processing')
    .returning('cancel_requested')
    .executeTakeFirst();
  if (!saved) throw new ImportStopped(lease.importId);
  return saved.cancel_requested === 1;
}

/** The part row a lease holds: its import and part, and the lease's token still on it. */
function heldBy(lease: PartLease) {
  return (eb: ExpressionBuilder<DB, 'import_parts'>) =>
    eb.and([eb('import_id', '=', lease.importId), eb('part', '=', lease.part), eb('lease_token', '=', lease.token)]);
}

/** Gives a part back to the queue (its worker shutting down), keeping its committed batches. */
export async function releasePart(db: Kysely<DB>, lease: PartLease): Promise<void> {
  await db
    .updateTable('import_parts')
    .set({ status: 'queued', lease_token: null, lease_expires_at: null })
    .where(heldBy(lease))
    .where('status', '=', 'processing')
    .execute();
}

/** Ends a part the lease holds (LeaseLost otherwise), in the caller's transaction. */
export async function endPart(
  trx: Transaction<DB>,
  lease: PartLease,
  status: 'done' | 'cancelled' | 'stopped',
): Promise<void> {
  const ended = await trx
    .updateTable('import_parts')
    .set({ status, lease_token: null, lease_expires_at: null, ...(status === 'done' ? { fraction_read: 1 } : {}) })
    .where(heldBy(lease))
    .where('status', '=', 'processing')
    .executeTakeFirst();
  if (Number(ended.numUpdatedRows) === 0) throw partLost(lease);
}

/**
 * Whether the lease still holds its part, for a transaction that acts for the part; PostgreSQL: the part row
 * is locked, so no worker takes the part over before the transaction ends.
 */
export async function holdsPart(trx: Transaction<DB>, lease: PartLease): Promise<boolean> {
  const query = trx.selectFrom('import_parts').select('part').where(heldBy(lease));
  return (await (dialectOf(trx) === 'postgres' ? query.forUpdate() : query).executeTakeFirst()) !== undefined;
}

/** Ends the part the lease holds as `stopped` (its import failed). */
export async function abandonPart(trx: Transaction<DB>, lease: PartLease): Promise<void> {
  await trx
    .updateTable('import_parts')
    .set({ status: 'stopped', lease_token: null, lease_expires_at: null })
    .where(heldBy(lease))
    .execute();
}

/**
 * The import row for a transaction that decides how the import ends. PostgreSQL: locked, so the parts that
 * end at once take turns and the last sees every other part ended (SQLite runs one writer at a time).
 */
export async function lockImport(trx: Transaction<DB>, importId: string): Promise<ImportRow | undefined> {
  if (dialectOf(trx) !== 'postgres') return findImport(trx, importId);
  return trx.selectFrom('imports').selectAll().where('id', '=', importId).forUpdate().executeTakeFirst();
}

/** How many of an import's parts are still to run, and how many a cancel request stopped. */
export async function partsLeft(trx: Transaction<DB>, importId: string): Promise<{ open: number; cancelled: number }> {
  const row = await trx
    .selectFrom('import_parts')
    .select((eb) => [
      eb.fn
        .sum<number | string>(
          eb
            .case()
            .when('status', 'in', [...ENDED_PART_STATES])
            .then(0)
            .else(1)
            .end(),
        )
        .as('open'),
      eb.fn.sum<number | string>(eb.case().when('status', '=', 'cancelled').then(1).else(0).end()).as('cancelled'),
    ])
    .where('import_id', '=', importId)
    .executeTakeFirstOrThrow();
  return { open: Number(row.open ?? 0), cancelled: Number(row.cancelled ?? 0) };
}
