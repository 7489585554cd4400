import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

for (const dialect of DIALECTS) {
  describe(`HTTP app on ${dialect}`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await createTestStore(dialect);
    });
    afterEach(async () => t.destroy());

    it('answers /health (alive) even when the database is away, while /ready says it cannot serve', async () => {
      const app = await createApp({ config: t.config, store: t.store });
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', store: dialect });
      await t.store.close();
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
      await app.close();
    });
  });
}
