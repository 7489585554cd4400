import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { submitBodySchema, submitResponseSchema } from '../../leads/submit.schema.js';
import { submitLead } from '../../leads/submit.service.js';
import { errorResponseSchema } from '../errors.js';
import { principalKey, requireSourceOrAdmin } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

/** POST /flows/:flowId/sources/:sourceId/submit: real-time submission, LeadConduit's shape. */
export function submitRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/flows/:flowId/sources/:sourceId/submit',
      {
        config: { access: 'source' },
        schema: {
          tags: ['submission'],
          summary: 'Submit one lead (JSON or form-encoded); rejected leads are 201 with outcome failure',
          params: z.object({ flowId: z.string(), sourceId: z.string() }),
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
          body: submitBodySchema,
          response: { 201: submitResponseSchema, 409: errorResponseSchema, 422: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const principal = requireSourceOrAdmin(request, request.params.sourceId);
        const key = request.headers['idempotency-key'];
        const result = await submitLead(deps.store.db, deps.flows, deps.submissions, {
          flowId: request.params.flowId,
          sourceId: request.params.sourceId,
          body: request.body,
          idempotency: key ? { scope: principalKey(principal), key } : undefined,
        });
        if (result.replayed) reply.header('Idempotent-Replayed', 'true');
        else deps.metrics.countSubmission(result.response.outcome);
        return reply.code(201).send(result.response);
      },
    );
  };
}
