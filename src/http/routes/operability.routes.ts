import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { errorResponseSchema } from '../errors.js';
import { databaseCheck, queueCheck, runChecks, type ReadinessCheck } from '../readiness.js';
import type { RouteDeps } from './deps.js';

// A load balancer's probe gives up after a few seconds; answer before it does.
const READY_TIMEOUT_MS = 2000;

const checkStatusSchema = z.enum(['ok', 'failed', 'timeout']);

const readyResponseSchema = z.object({
  status: z.literal('ready'),
  store: z.enum(['sqlite', 'postgres']),
  checks: z.record(z.string(), checkStatusSchema),
});

/**
 * GET /ready (can this process serve: every dependency answers; GET /health only says it is alive) and
 * GET /metrics (Prometheus). Both public, like /health: probes and scrapers carry no key.
 */
export function operabilityRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  // What /ready checks, by name.
  const checks: readonly ReadinessCheck[] = [databaseCheck(deps.store), queueCheck(deps.jobs)];
  deps.metrics.watchJobs(() => deps.jobs.counts());
  return async (app) => {
    app.get(
      '/ready',
      {
        config: { access: 'public' },
        schema: {
          tags: ['operations'],
          summary: 'Readiness: 200 when every dependency answers within 2 s, else 503 naming the checks that failed',
          response: { 200: readyResponseSchema, 503: errorResponseSchema },
        },
      },
      async (request) => {
        const statuses = await runChecks(checks, READY_TIMEOUT_MS, (name, status, error) =>
          request.log.warn({ err: error, check: name, status }, `readiness check ${name}: ${status}`),
        );
        const problems = Object.entries(statuses).filter(([, status]) => status !== 'ok');
        if (problems.length > 0) {
          const named = problems.map(([name, status]) => `${name} ${status}`).join(', ');
          throw new AppError('storage_unavailable', `not ready: ${named}`, { checks: statuses });
        }
        return { status: 'ready' as const, store: deps.store.dialect, checks: statuses };
      },
    );

    app.get(
      '/metrics',
      {
        config: { access: 'public' },
        schema: { tags: ['operations'], summary: 'Prometheus metrics, in the text exposition format' },
      },
      async (_request, reply) => {
        reply.type(deps.metrics.contentType);
        return deps.metrics.render();
      },
    );
  };
}
