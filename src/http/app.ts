import cors from '@fastify/cors';
import formBody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import pretty from 'pino-pretty';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { AuthThrottle } from '../auth/throttle.js';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { FlowCache } from '../flows/flow-cache.js';
import { createJobRunner } from '../jobs/create-job-runner.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { SubmissionQueue } from '../leads/submission-queue.js';
import { Metrics } from '../metrics.js';
import { authenticateRequest, principalKey, type Access } from './auth-context.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.js';
import { rejectNulCharacters } from './input-guards.js';
import { adminRoutes } from './routes/admin.routes.js';
import { dataRoutes } from './routes/data.routes.js';
import { importJobRoutes } from './routes/import-job.routes.js';
import { importUploadRoutes } from './routes/import-upload.routes.js';
import { importRevertRoutes } from './routes/import-revert.routes.js';
import { notificationRoutes } from './routes/notification.routes.js';
import { operabilityRoutes } from './routes/operability.routes.js';
import { submitRoutes } from './routes/submit.routes.js';
import { webhookRoutes } from './routes/webhook.routes.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  /** The app's Prometheus metrics; a new set when omitted (pass one to share it with jobs in this process). */
  readonly metrics?: Metrics;
  /** The job queue; the store's own (createJobRunner), stopped when the app closes, when omitted. */
  readonly jobs?: JobRunner;
}

const BODY_LIMIT = 1024 * 1024;

// Socket and request limits (Fastify leaves the first and last off). A connection with no byte either way
// for a minute is closed; keep-alive connections idle a little longer than the 60 s of common load
// balancers, so the balancer closes first and never reuses a closed socket; a whole request must arrive
// within 10 minutes (the coming HTTP upload: 512 MB at about 7 Mbit/s).
const CONNECTION_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
const REQUEST_TIMEOUT_MS = 10 * 60_000;

// The request line's fields: for JSON, what log tools filter on; pretty lines show only its message, which
// says the same.
const REQUEST_LINE_FIELDS = ['method', 'url', 'statusCode', 'responseTimeMs', 'principal'];

/**
 * One log line per request, when its response has been sent: method, URL, status, time and the caller's
 * kind, instead of Fastify's two ("incoming request", then "request completed"). Nothing from the request's
 * headers: an Authorization header carries a key.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTimeMs = Math.round(reply.elapsedTime * 10) / 10;
    const principal = request.principal?.kind;
    const fields = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs,
      principal,
    };
    const message = `${request.method} ${request.url} ${reply.statusCode} ${responseTimeMs} ms${principal ? ` (${principal})` : ''}`;
    // An error here is the response stream's (the connection failed while writing); a route's errors are
    // logged by the error handler.
    if (error) request.log.warn({ ...fields, err: error }, message);
    else request.log.info(fields, message);
  }
}

/**
 * Fastify's logger: JSON lines for whatever collects logs, or pino-pretty's readable lines for a person at a
 * terminal, formatted in this process and written synchronously (no worker thread, nothing lost at exit).
 */
function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  if (config.logLevel === 'silent') return false;
  if (config.logFormat === 'json') return { level: config.logLevel };
  return {
    level: config.logLevel,
    stream: pretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: ['pid', 'hostname', 'reqId', ...REQUEST_LINE_FIELDS].join(','),
    }),
  };
}

/**
 * Builds the Fastify app (server.ts listens, tests use inject()): one error shape, zod-validated routes that
 * also generate the OpenAPI document at /docs, access declared per route and enforced before the body is
 * read, per-principal rate limits, closed CORS.
 */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps;
  const metrics = deps.metrics ?? new Metrics();
  const app = Fastify({
    logger: loggerOptions(config),
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    trustProxy: typeof config.trustProxy === 'object' ? [...config.trustProxy] : config.trustProxy,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // LeadConduit sources post form-encoded bodies too. A flat record of strings: a repeated key keeps its last
  // value (the plugin's default parser makes an array of them, which the submission schema refuses).
  await app.register(formBody, {
    bodyLimit: BODY_LIMIT,
    parser: (body) => Object.fromEntries(new URLSearchParams(body)),
  });

  await app.register(cors, { origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false });

  // The OpenAPI pages are public; every other route states its access, and one that does not is admin-only.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, access: 'public' satisfies Access };
  });
  const throttle = new AuthThrottle(config.authFailuresPerMinute);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => authenticateRequest(request, store, throttle));
  app.addHook('preValidation', async (request) => rejectNulCharacters(request));
  // By route pattern, never the URL: one series per route, whatever ids the URLs carry.
  app.addHook('onResponse', async (request, reply) =>
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000),
  );

  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per authenticated principal (however its header was spelled), per address without one.
    keyGenerator: (request) => (request.principal ? principalKey(request.principal) : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.ceil(context.ttl / 1000);
      const error = new AppError(
        'rate_limited',
        `rate limit exceeded: ${context.max} requests a minute; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
      (error as AppError & { statusCode: number }).statusCode = 429;
      return error;
    },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Leadport API',
        version: '1.0.0',
        description: 'Lead intake: real-time submission, flows, sources, keys, leads and reports.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Liveness only: a process whose database is away is alive (restarting it would not help); /ready says
  // whether it can serve.
  app.get('/health', { schema: { hide: true }, config: { access: 'public' } }, async () => ({
    status: 'ok',
    store: store.dialect,
  }));
  // The web app at / (dist/web), with index.html for its client-side routes.
  await app.register((await import('./routes/web.routes.js')).webRoutes());

  // A runner made here (tests; the server passes its own) is this app's to stop.
  const jobs = deps.jobs ?? createJobRunner(store, config, app.log);
  if (!deps.jobs) app.addHook('onClose', () => jobs.stop());
  const routeDeps = {
    config,
    store,
    flows: new FlowCache(store),
    submissions: new SubmissionQueue(store),
    throttle,
    metrics,
    jobs,
    publicUrl: () => config.publicUrl ?? listenUrl(app, config),
  };
  await app.register(submitRoutes(routeDeps));
  await app.register(adminRoutes(routeDeps));
  await app.register(dataRoutes(routeDeps));
  await app.register(importJobRoutes(routeDeps));
  await app.register(importUploadRoutes(routeDeps));
  await app.register(importRevertRoutes(routeDeps));
  await app.register(operabilityRoutes(routeDeps));
  await app.register(notificationRoutes(routeDeps));
  await app.register((await import('./routes/import-rows.routes.js')).importRowRoutes(routeDeps));
  await app.register(webhookRoutes(routeDeps));
  return app;
}

/** The URL the server listens on (before it listens: the configured host and port). Never the Host header. */
export function listenUrl(app: FastifyInstance, config: Config): string {
  const address = app.server.listening ? app.server.address() : null;
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}
