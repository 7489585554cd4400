import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/http/app.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';

describe('HTTP server limits', () => {
  let t: TestStore;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    app = await createApp({ config: t.config, store: t.store });
  });
  afterAll(async () => {
    await app.close();
    await t.destroy();
  });

  it('closes silent connections, idle keep-alive connections and requests that take too long to arrive', () => {
    // Fastify's defaults are 0 (no limit) for the first and last.
    expect(app.server.timeout).toBe(60_000);
    expect(app.server.keepAliveTimeout).toBe(72_000);
    expect(app.server.requestTimeout).toBe(600_000);
  });
});
