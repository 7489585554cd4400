import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate } from '../auth/auth.service.js';
import { hashSecret } from '../auth/secrets.js';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { FlowCache } from '../flows/flow-cache.js';
import { SubmissionQueue } from '../leads/submission-queue.js';
import { bearerToken } from './auth-context.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { adminRoutes } from './routes/admin.routes.js';
import { dataRoutes } from './routes/data.routes.js';
import { submitRoutes } from './routes/submit.routes.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
}

const BODY_LIMIT = 1024 * 1024;

/**
 * Builds the Fastify app (server.ts listens, tests use inject()): one error shape, zod-validated routes that
 * also generate the OpenAPI document at /docs, bearer authentication, per-key rate limits, closed CORS.
 */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // LeadConduit sources post form-encoded bodies too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  await app.register(cors, { origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (token) request.principal = await authenticate(store, token);
  });

  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per API key (hashed, so keys never sit in memory in clear), per address without one.
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      return header ? `key:${hashSecret(header)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => {
      const error = new AppError('rate_limited', `rate limit exceeded: ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s`);
      (error as AppError & { statusCode: number }).statusCode = 429;
      return error;
    },
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Leadport API', version: '1.0.0', description: 'Lead intake: real-time submission, flows, sources, keys, leads and reports.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/health', { schema: { hide: true } }, async () => {
    await store.db.selectFrom('flows').select('id').limit(1).execute();
    return { status: 'ok', store: store.dialect };
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return '<!doctype html><title>Leadport</title><h1>Leadport</h1><p>The web UI is on its way. The API is documented at <a href="/docs">/docs</a>; <a href="/health">/health</a> answers.</p>';
  });

  const routeDeps = { config, store, flows: new FlowCache(store), submissions: new SubmissionQueue(store) };
  await app.register(submitRoutes(routeDeps));
  await app.register(adminRoutes(routeDeps));
  await app.register(dataRoutes(routeDeps));
  return app;
}
