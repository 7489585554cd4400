import { z } from 'zod';
import { deliverWebhook } from '../webhooks/webhook.service.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandler } from './job-runner.js';

const payloadSchema = z.object({ deliveryId: z.string() });

/** The `webhook` job: one try of one webhook delivery (`{ deliveryId }`), retried by the runner with backoff. */
export function webhookJob(deps: JobDeps): JobHandler {
  return async (payload, context) => deliverWebhook(deps.store.db, payloadSchema.parse(payload).deliveryId, context);
}
