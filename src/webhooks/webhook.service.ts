import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { DB, ImportTable, WebhookDeliveryTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findFlowSpec, saveWebhookSecret } from '../flows/flow.repository.js';
import { ensureWebhookSecret, requireFlow } from '../flows/flow.service.js';
import type { JobDeps } from '../jobs/job-deps.js';
import { backoffDelay, JobReleased, type JobContext } from '../jobs/job-runner.js';
import type { WebhookBody, WebhookDeliveryView, WebhookView } from './webhook.schema.js';
import { newWebhookSecret, signWebhookBody } from './webhook-signature.js';

/**
 * How deliveries are tried: the first retry after 30 s, each next wait doubled up to the runner's one-hour
 * cap, 31 tries in all (about a day: 30 s + ... + 32 min, then 23 hourly tries), each waiting at most 10 s
 * for an answer, so a hanging endpoint holds only its own job, never an import. Mutable for tests.
 */
export const webhookDelivery = { firstRetryMs: 30_000, maxAttempts: 31, timeoutMs: 10_000 };

const USER_AGENT = 'Leadport-Webhook/1';

/**
 * Records the webhook delivery for an import that ended or was reverted, when its flow has a webhook (an
 * import of a file naming its own flows per row has no single flow, and sends none). Only the row: the
 * POST is a job, enqueued by `dispatchPendingDeliveries`, so the import never waits for the endpoint.
 */
export async function recordImportDelivery(db: Kysely<DB>, row: ImportTable): Promise<void> {
  if (!row.flow_id) return;
  const url = (await findFlowSpec(db, row.flow_id))?.webhook?.url;
  if (!url) return;
  const now = new Date().toISOString();
  const body: WebhookBody = {
    event: row.status === 'reverted' ? 'import.reverted' : 'import.finished',
    import: {
      id: row.id,
      status: row.status,
      flowId: row.flow_id,
      sourceId: row.source_id,
      fileName: row.file_name,
      total: row.total,
      created: row.created,
      updated: row.updated,
      failed: row.failed,
      duplicates: row.duplicates,
      durationMs: row.duration_ms,
      finishedAt: row.finished_at,
    },
    sentAt: now,
  };
  await db
    .insertInto('webhook_deliveries')
    .values({
      id: newId(),
      flow_id: row.flow_id,
      import_id: row.id,
      event: body.event,
      url,
      body: JSON.stringify(body),
      status: 'pending',
      attempts: 0,
      last_status_code: null,
      last_error: null,
      next_attempt_at: now,
      created_at: now,
      delivered_at: null,
    })
    .execute();
}

/**
 * Enqueues a delivery job for every pending delivery (keyed by the delivery, so one that already has a
 * waiting or running job gets no second). Called after an import ends or is reverted; calling it again,
 * from housekeeping or after a crash between recording and enqueueing, loses nothing and sends nothing twice.
 */
export async function dispatchPendingDeliveries(deps: Pick<JobDeps, 'store' | 'jobs'>): Promise<void> {
  const pending = await deps.store.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'attempts', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
  for (const delivery of pending) {
    const dueIn = delivery.next_attempt_at ? Date.parse(delivery.next_attempt_at) - Date.now() : 0;
    await deps.jobs.enqueue(
      'webhook',
      { deliveryId: delivery.id },
      {
        key: `webhook:${delivery.id}`,
        delayMs: Math.max(0, dueIn),
        // The tries left: a delivery re-enqueued after its job was lost keeps its count.
        maxAttempts: Math.max(1, webhookDelivery.maxAttempts - delivery.attempts),
        backoffMs: webhookDelivery.firstRetryMs,
      },
    );
  }
}

interface AttemptOutcome {
  readonly statusCode: number | null;
  /** Null when the endpoint answered 2xx. */
  readonly error: string | null;
}

/**
 * One try of a delivery (the `webhook` job): POSTs its body, signed with the flow's current secret, to the
 * flow's current URL. A 2xx answer marks it delivered; anything else records the try and throws, so the
 * runner tries again with backoff, until the last try marks it failed. A delivery no longer pending (a job
 * run twice) is left alone.
 */
export async function deliverWebhook(db: Kysely<DB>, deliveryId: string, context: JobContext): Promise<void> {
  const delivery = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (delivery?.status !== 'pending') return;
  const attempt = delivery.attempts + 1;
  const url = (await findFlowSpec(db, delivery.flow_id))?.webhook?.url;
  if (!url) {
    // Removing a flow's webhook stops what it had not yet delivered.
    await recordAttempt(
      db,
      delivery,
      { status: 'failed', attempts: delivery.attempts, url: delivery.url },
      {
        statusCode: null,
        error: 'the flow no longer has a webhook',
      },
    );
    return;
  }
  const secret = await ensureWebhookSecret(db, delivery.flow_id);
  const body = JSON.stringify({ ...(JSON.parse(delivery.body) as WebhookBody), sentAt: new Date().toISOString() });
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Leadport-Event': delivery.event,
    'X-Leadport-Delivery': delivery.id,
    'X-Leadport-Signature': signWebhookBody(secret, body, Math.floor(Date.now() / 1000)),
  };
  const outcome = await post(url, headers, body, context.signal);
  // Stopped by the worker (shutdown, or another worker took the job): not a failure of the endpoint.
  if (context.signal.aborted) throw new JobReleased(String(context.signal.reason));
  if (outcome.error === null) {
    await recordAttempt(db, delivery, { status: 'delivered', attempts: attempt, url, body }, outcome);
    return;
  }
  const last = attempt >= webhookDelivery.maxAttempts;
  const next = last ? null : new Date(Date.now() + backoffDelay(webhookDelivery.firstRetryMs, attempt)).toISOString();
  await recordAttempt(
    db,
    delivery,
    { status: last ? 'failed' : 'pending', attempts: attempt, url, body, next_attempt_at: next },
    outcome,
  );
  throw new Error(`webhook delivery ${delivery.id} to ${url}, try ${attempt}: ${outcome.error}`);
}

async function recordAttempt(
  db: Kysely<DB>,
  delivery: WebhookDeliveryTable,
  values: Pick<WebhookDeliveryTable, 'status' | 'attempts' | 'url'> & Partial<WebhookDeliveryTable>,
  outcome: AttemptOutcome,
): Promise<void> {
  const delivered = values.status === 'delivered';
  await db
    .updateTable('webhook_deliveries')
    .set({
      next_attempt_at: null,
      ...values,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      delivered_at: delivered ? new Date().toISOString() : null,
    })
    .where('id', '=', delivery.id)
    // Two runs of one job (a lease that ran out mid-request) record one outcome.
    .where('status', '=', 'pending')
    .where('attempts', '=', delivery.attempts)
    .execute();
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  stop: AbortSignal,
): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(webhookDelivery.timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      // A redirect could point anywhere; the endpoint is the URL the flow names.
      redirect: 'manual',
      signal: AbortSignal.any([timeout, stop]),
    });
    // Nothing of the answer but its status is used; dropping the body frees the connection.
    await response.body?.cancel().catch(() => {});
    const status = response.status;
    if (status >= 200 && status < 300) return { statusCode: status, error: null };
    if (status >= 300 && status < 400)
      return {
        statusCode: status,
        error: `HTTP ${status}: redirects are not followed (to ${response.headers.get('location') ?? '?'})`,
      };
    return { statusCode: status, error: `HTTP ${status}` };
  } catch (error) {
    if (timeout.aborted) return { statusCode: null, error: `no answer within ${webhookDelivery.timeoutMs} ms` };
    return { statusCode: null, error: describeFetchError(error) };
  }
}

// fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure, a TLS error) is its cause.
function describeFetchError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { message?: string } | undefined)?.message : undefined;
  return (cause ? `${message}: ${cause}` : message).slice(0, 500);
}

async function requireWebhookUrl(db: Kysely<DB>, flowId: string): Promise<string> {
  const flow = await requireFlow(db, flowId);
  if (flow.webhook) return flow.webhook.url;
  throw new AppError(
    'webhook_not_found',
    `flow "${flowId}" has no webhook: set "webhook": { "url": "https://..." } in its definition`,
    { flowId },
  );
}

/** A flow's webhook URL and signing secret (the secret is made if the flow has none yet). */
export async function getWebhook(db: Kysely<DB>, flowId: string): Promise<WebhookView> {
  const url = await requireWebhookUrl(db, flowId);
  return { url, secret: await ensureWebhookSecret(db, flowId) };
}

/** Replaces a flow's webhook secret; every try from now on, retries of earlier deliveries too, is signed with the new one. */
export async function rotateWebhookSecret(db: Kysely<DB>, flowId: string): Promise<WebhookView> {
  const url = await requireWebhookUrl(db, flowId);
  const secret = newWebhookSecret();
  await saveWebhookSecret(db, flowId, secret, { onlyIfMissing: false });
  return { url, secret };
}

/** A flow's webhook deliveries, newest first. */
export async function listDeliveries(
  db: Kysely<DB>,
  flowId: string,
  query: { limit: number },
): Promise<{ items: WebhookDeliveryView[] }> {
  await requireFlow(db, flowId);
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('flow_id', '=', flowId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit)
    .execute();
  return { items: rows.map(deliveryView) };
}

function deliveryView(row: WebhookDeliveryTable): WebhookDeliveryView {
  return {
    id: row.id,
    event: row.event,
    importId: row.import_id,
    url: row.url,
    status: row.status as WebhookDeliveryView['status'],
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}
