import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { runImport } from '../../src/imports/import.service.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const exampleCsv = decodeURIComponent(new URL('../../examples/solar-leads.csv', import.meta.url).pathname);

for (const dialect of DIALECTS) {
  describe(`notifications on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const tokens = { admin: '', acme: '', other: '' };
    let importId = '';
    const api = async (method: 'GET' | 'POST', url: string, token: string) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      return { status: response.statusCode, json: response.body ? response.json() : undefined };
    };

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }] });
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      tokens.other = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other' })).key;
      importId = (await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media' }))
        .importId;
      await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media', dryRun: true });
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('tells the admins and the source when an import ends, with its status and counts', async () => {
      const forAdmin = await api('GET', '/api/notifications', tokens.admin);
      expect(forAdmin.json).toEqual({
        unread: 2,
        items: [
          {
            id: expect.any(String),
            kind: 'validation_finished',
            importId: expect.any(String),
            flowId: 'solar',
            sourceId: 'acme-media',
            status: 'completed',
            message: 'Validation of solar-leads.csv finished: 0 would be created, 0 updated, 9 would fail.',
            createdAt: expect.any(String),
            readAt: null,
          },
          {
            id: expect.any(String),
            kind: 'import_finished',
            importId,
            flowId: 'solar',
            sourceId: 'acme-media',
            status: 'completed_with_errors',
            message: 'Import of solar-leads.csv completed with errors: 4 created, 0 updated, 5 failed.',
            createdAt: expect.any(String),
            readAt: null,
          },
        ],
      });
      expect((await api('GET', '/api/notifications', tokens.acme)).json.items).toHaveLength(2);
      expect((await api('GET', '/api/notifications', tokens.other)).json).toEqual({ items: [], unread: 0 });
    });

    it('marks notifications read, only the caller may see them, and a second mark changes nothing', async () => {
      const notifications = (await api('GET', '/api/notifications', tokens.acme)).json.items as { id: string }[];
      for (const notification of notifications) {
        expect((await api('POST', `/api/notifications/${notification.id}/read`, tokens.other)).status).toBe(404);
        expect((await api('POST', `/api/notifications/${notification.id}/read`, tokens.acme)).status).toBe(204);
      }
      const after = await api('GET', '/api/notifications?unread=true', tokens.admin);
      expect(after.json).toEqual({ items: [], unread: 0 });
      const all = await api('GET', '/api/notifications', tokens.admin);
      expect(all.json.items[0].readAt).toEqual(expect.any(String));
      expect((await api('POST', '/api/notifications/read', tokens.admin)).json).toEqual({ marked: 0 });
    });
  });
}
