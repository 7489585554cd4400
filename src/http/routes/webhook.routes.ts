import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  webhookDeliveryListQuerySchema,
  webhookDeliveryListSchema,
  webhookSchema,
} from '../../webhooks/webhook.schema.js';
import { getWebhook, listDeliveries, rotateWebhookSecret } from '../../webhooks/webhook.service.js';
import type { RouteDeps } from './deps.js';

const flowParams = z.object({ id: z.string() });

/** A flow's webhook (URL and signing secret), its secret rotation, and its deliveries: all admin-only. */
export function webhookRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    app.get(
      '/api/flows/:id/webhook',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary: "The flow's webhook URL and the secret its deliveries are signed with",
          params: flowParams,
          response: { 200: webhookSchema },
        },
      },
      async (request) => getWebhook(db, request.params.id),
    );
    app.post(
      '/api/flows/:id/webhook/rotate',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary: "Replace the flow's webhook secret (the old one stops signing at once)",
          params: flowParams,
          response: { 200: webhookSchema },
        },
      },
      async (request) => rotateWebhookSecret(db, request.params.id),
    );
    app.get(
      '/api/flows/:id/webhook/deliveries',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary: "The flow's webhook deliveries, newest first, with their status and last try",
          params: flowParams,
          querystring: webhookDeliveryListQuerySchema,
          response: { 200: webhookDeliveryListSchema },
        },
      },
      async (request) => listDeliveries(db, request.params.id, request.query),
    );
  };
}
