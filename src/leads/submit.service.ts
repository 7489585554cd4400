import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireSource } from '../flows/flow.service.js';
import type { FlowCache } from '../flows/flow-cache.js';
import type { CompiledFlow } from '../core/pipeline.js';
import { evaluatedSubmission, type SubmissionResult } from './lead.service.js';
import type { SubmissionQueue, WithSubmission } from './submission-queue.js';
import type { SubmitBody, SubmitResponse } from './submit.schema.js';

export interface SubmitRequest {
  readonly flowId: string;
  readonly sourceId: string;
  readonly body: SubmitBody;
  /** The client's Idempotency-Key header, scoped to the caller. */
  readonly idempotency?: { readonly scope: string; readonly key: string } | undefined;
}

export interface SubmitResult {
  readonly response: SubmitResponse;
  /** True when the answer is the stored answer to an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

/**
 * Real-time submission: one lead through the same pipeline as a batch row (normalise, criteria, duplicate
 * check, store, event), in its own transaction. Rejections are answers (outcome failure), not errors.
 */
export async function submitLead(
  db: Kysely<DB>,
  flows: FlowCache,
  queue: SubmissionQueue,
  request: SubmitRequest,
): Promise<SubmitResult> {
  const flow = await flows.get(request.flowId);
  requireSource(flow.spec, request.sourceId);
  if (!request.idempotency) return { response: await process(queue, flow, request), replayed: false };
  const { scope, key } = request.idempotency;
  const requestHash = createHash('sha256')
    .update(JSON.stringify([request.flowId, request.sourceId, request.body]))
    .digest('hex');
  const earlier = await claimIdempotencyKey(db, scope, key, requestHash);
  if (earlier) return { response: earlier, replayed: true };
  try {
    // The answer is recorded in the lead's own transaction: a crash leaves either both or neither.
    const response = await process(queue, flow, request, async (trx, result) => {
      await trx
        .updateTable('idempotency_keys')
        .set({ status: 'done', response: JSON.stringify(responseOf(result)) })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
    });
    return { response, replayed: false };
  } catch (error) {
    // Nothing was stored: free the key so the client's retry is processed.
    await db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute()
      .catch(() => undefined);
    throw error;
  }
}

/**
 * How long a request may hold its Idempotency-Key in flight. A submission takes milliseconds; a mark older
 * than this belongs to a process that died before it committed (the answer commits with the lead), so a
 * retry takes the key over and is processed, once.
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;

/**
 * Claims an Idempotency-Key for this request. Returns the stored answer when an earlier request with the
 * same key and body completed; throws when the key was used with another body or is held by a live request.
 */
async function claimIdempotencyKey(
  db: Kysely<DB>,
  scope: string,
  key: string,
  requestHash: string,
): Promise<SubmitResponse | null> {
  const now = new Date();
  const claimed = await db
    .insertInto('idempotency_keys')
    .values({
      scope,
      key,
      request_hash: requestHash,
      status: 'in_flight',
      response: null,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0) return null;
  const earlier = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
  if (!earlier) return claimIdempotencyKey(db, scope, key, requestHash);
  if (earlier.request_hash !== requestHash) {
    throw new AppError('idempotency_mismatch', 'this Idempotency-Key was used with a different request', {
      idempotencyKey: key,
    });
  }
  if (earlier.status === 'done' && earlier.response) return JSON.parse(earlier.response) as SubmitResponse;
  if (Date.parse(earlier.created_at) < now.getTime() - IDEMPOTENCY_LEASE_MS) {
    // Only one retry can move the stale mark's time, so only one takes the key over.
    const taken = await db
      .updateTable('idempotency_keys')
      .set({ created_at: now.toISOString() })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('status', '=', 'in_flight')
      .where('created_at', '=', earlier.created_at)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) return null;
  }
  throw new AppError(
    'idempotency_in_flight',
    'a request with this Idempotency-Key is still being processed; retry shortly',
    { idempotencyKey: key },
  );
}

function responseOf(result: SubmissionResult): SubmitResponse {
  return { outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}), lead: { id: result.leadId } };
}

async function process(
  queue: SubmissionQueue,
  flow: CompiledFlow,
  request: SubmitRequest,
  alongside?: WithSubmission,
): Promise<SubmitResponse> {
  const started = performance.now();
  // Keys map to fields as an import's headers would ("First Name", aliases); the others are kept with the
  // raw values, so nothing a source sent is dropped.
  const raw: Record<string, string> = Object.create(null);
  const keys = Object.keys(request.body);
  const targets = flow.targetsOf(keys);
  keys.forEach((key, index) => {
    const value = request.body[key];
    raw[targets[index] ?? key] = value === null || value === undefined ? '' : String(value);
  });
  const evaluation = flow.evaluate(raw, request.sourceId);
  const result = await queue.submit(
    { flow, sourceId: request.sourceId, importId: null },
    evaluatedSubmission(null, raw, evaluation, Math.round((performance.now() - started) * 1000)),
    alongside,
  );
  return responseOf(result);
}
