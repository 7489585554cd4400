import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { ROUTING_FIELDS } from '../core/routing.js';
import { requireFlow } from '../flows/flow.service.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { canTransition, ENDED_STATES, transitionRefused, type ImportState } from './import-state.js';
import { findImport, finishImport, type ImportRow } from './import.repository.js';
import { visibleImport } from './import-query.service.js';

/** Who a principal is, in words for the import history ("ana@example.com", "source acme-media"). */
export async function describePrincipal(db: Kysely<DB>, principal: Principal): Promise<string> {
  if (principal.kind === 'source') return `source ${principal.sourceId}`;
  if (principal.userId) {
    const user = await db.selectFrom('users').select('email').where('id', '=', principal.userId).executeTakeFirst();
    if (user) return user.email;
  }
  return principal.keyId ? `admin key ${principal.keyId.slice(0, 8)}` : 'admin';
}

/** The flow and source an upload goes to must be chosen, and its required fields mapped, before it runs. */
async function assertReady(db: Kysely<DB>, row: ImportRow): Promise<void> {
  const mapped = new Set((JSON.parse(row.mapping) as (string | null)[]).filter((field) => field !== null));
  if (row.route_by_columns === 1) {
    // Each row's own flow checks its required fields; the rows must name their flow and source.
    const missing = ROUTING_FIELDS.filter((field) => !mapped.has(field));
    if (missing.length > 0)
      throw new AppError(
        'required_fields_unmapped',
        `${row.file_name}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not mapped to any column: a routed import's rows name their flow and source`,
        { fields: missing },
      );
    return;
  }
  if (!row.flow_id || !row.source_id)
    throw new AppError(
      'validation_failed',
      `import ${row.id}: choose a flow and a source first (PUT /api/imports/${row.id}/mapping)`,
      {
        flowId: row.flow_id,
        sourceId: row.source_id,
      },
    );
  const flow = await requireFlow(db, row.flow_id);
  const choices = row.mapping_choices ? (JSON.parse(row.mapping_choices) as Record<string, string | null>) : {};
  for (const value of Object.values(choices)) if (value) mapped.add(value.replace(/^\+/, ''));
  const missing = flow.fields.filter((field) => field.required && !mapped.has(field.name)).map((field) => field.name);
  if (missing.length > 0)
    throw new AppError(
      'required_fields_unmapped',
      `${row.file_name}: required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not mapped to any column`,
      { fields: missing },
    );
}

/**
 * Starts an uploaded import: queues it and its job. Starting an import that is already queued or running
 * does nothing more (a double click, a retried request).
 */
export async function startImport(
  db: Kysely<DB>,
  jobs: JobRunner,
  principal: Principal,
  importId: string,
): Promise<ImportRow> {
  const row = await visibleImport(db, principal, importId);
  if (row.status === 'queued' || row.status === 'processing') return row;
  if (!canTransition(row.status, 'queued')) throw transitionRefused(importId, row.status, 'queued');
  await assertReady(db, row);
  const startedBy = await describePrincipal(db, principal);
  const moved = await db
    .updateTable('imports')
    .set({ status: 'queued', started_by: startedBy, cancel_requested: 0 })
    .where('id', '=', importId)
    .where('status', '=', 'uploaded')
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 0) return startImport(db, jobs, principal, importId);
  await jobs.enqueue('import', { importId }, { key: `import:${importId}`, maxAttempts: 5 });
  return (await findImport(db, importId)) as ImportRow;
}

/** Queues a validation (a dry run of the whole file) of an uploaded import; one at a time per import. */
export async function validateImport(
  db: Kysely<DB>,
  jobs: JobRunner,
  principal: Principal,
  importId: string,
): Promise<ImportRow> {
  const row = await visibleImport(db, principal, importId);
  if (row.status !== 'uploaded')
    throw new AppError(
      'invalid_state_transition',
      `import ${importId} is ${row.status}: only an upload not yet started is validated`,
      {
        from: row.status,
      },
    );
  await assertReady(db, row);
  const pending = {
    status: 'running',
    total: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    failed: 0,
    fractionRead: 0,
  };
  await db
    .updateTable('imports')
    .set({
      validation: JSON.stringify({ ...pending, startedAt: new Date().toISOString(), finishedAt: null, error: null }),
    })
    .where('id', '=', importId)
    .execute();
  await jobs.enqueue('validate', { importId }, { key: `validate:${importId}`, maxAttempts: 3 });
  return (await findImport(db, importId)) as ImportRow;
}

/**
 * Cancels an import: one not yet running ends `cancelled` at once; a running one is asked to stop and its
 * job ends it `cancelled` after the current batch, keeping what was committed (which a revert can remove).
 */
export async function cancelImport(db: Kysely<DB>, principal: Principal, importId: string): Promise<ImportRow> {
  const row = await visibleImport(db, principal, importId);
  if (ENDED_STATES.includes(row.status as ImportState)) throw transitionRefused(importId, row.status, 'cancelled');
  await db.updateTable('imports').set({ cancel_requested: 1 }).where('id', '=', importId).execute();
  if (row.status !== 'processing') {
    // Guarded: if a job took it meanwhile, it is processing now and sees the request after its batch.
    try {
      await finishImport(db, importId, 'cancelled', {
        error: 'cancelled before it ran',
        finishedAt: new Date().toISOString(),
        durationMs: 0,
      });
    } catch (error) {
      const now = await findImport(db, importId);
      if (now?.status !== 'processing') throw error;
    }
  }
  return (await findImport(db, importId)) as ImportRow;
}
