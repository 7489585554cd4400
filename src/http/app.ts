import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
}

/** Builds the Fastify app; server.ts listens, tests use inject(). */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.config.logLevel === 'silent' ? false : { level: deps.config.logLevel } });
  app.get('/health', async () => {
    await deps.store.db.selectFrom('flows').select('id').limit(1).execute();
    return { status: 'ok', store: deps.store.dialect };
  });
  app.get('/', async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return '<!doctype html><title>Leadport</title><h1>Leadport</h1><p>The web UI is on its way. The API answers at <a href="/health">/health</a>.</p>';
  });
  return app;
}
