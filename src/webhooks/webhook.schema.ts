import { z } from 'zod';

/** A flow's webhook: where it posts, and the secret its bodies are signed with (`GET /api/flows/:id/webhook`). */
export const webhookSchema = z.object({
  url: z.string(),
  secret: z.string().describe('whsec_...: the HMAC-SHA256 key of X-Leadport-Signature'),
});
export type WebhookView = z.infer<typeof webhookSchema>;

/** What a webhook is told: an import of the flow ended, or an ended one was reverted. */
export const WEBHOOK_EVENTS = ['import.finished', 'import.reverted'] as const;

/** The JSON body POSTed to a flow's webhook. */
export const webhookBodySchema = z.object({
  event: z.enum(WEBHOOK_EVENTS),
  import: z.object({
    id: z.string(),
    status: z.string().describe('completed, completed_with_errors, failed, cancelled or reverted'),
    flowId: z.string(),
    sourceId: z.string().nullable(),
    fileName: z.string(),
    total: z.number(),
    created: z.number(),
    updated: z.number(),
    failed: z.number(),
    duplicates: z.number(),
    durationMs: z.number().nullable(),
    finishedAt: z.string().nullable(),
  }),
  sentAt: z.string().describe('when this attempt was sent (ISO 8601)'),
});
export type WebhookBody = z.infer<typeof webhookBodySchema>;

export const webhookDeliverySchema = z.object({
  id: z.string().describe('also sent as X-Leadport-Delivery'),
  event: z.string(),
  importId: z.string().nullable(),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']).describe('pending until delivered or given up'),
  attempts: z.number(),
  lastStatusCode: z.number().nullable().describe("the endpoint's last HTTP status (null: no answer)"),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const webhookDeliveryListSchema = z.object({ items: z.array(webhookDeliverySchema) });
