import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

for (const dialect of DIALECTS) {
  describe(`templates over HTTP on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const keys = { admin: '', acme: '' };

    const call = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: object,
      key = keys.admin,
    ) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload });
      return { status: response.statusCode, json: response.body ? response.json() : undefined };
    };
    const create = async (flowId: string, name: string) => {
      const response = await call('POST', '/api/templates', { flowId, name, mapping: { 'E-mail': 'email' } });
      expect(response.status).toBe(201);
      return response.json.id as string;
    };
    const names = async (flowId: string) =>
      ((await call('GET', `/api/templates?flowId=${flowId}`)).json as { name: string }[]).map((row) => row.name);

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, solar);
      await applyFlow(t.store.db, { ...solar, id: 'roof', name: 'Roofing' });
      keys.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      keys.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('renames a template; a name its flow already has is a 409, the same name in another flow is fine', async () => {
      const vendor = await create('solar', 'Vendor A');
      const other = await create('solar', 'Vendor B');
      await create('roof', 'Vendor C');

      const renamed = await call('PATCH', `/api/templates/${vendor}`, { name: '  Vendor A (2024)  ' });
      expect(renamed).toMatchObject({
        status: 200,
        json: { id: vendor, flowId: 'solar', name: 'Vendor A (2024)', mapping: { 'E-mail': 'email' } },
      });
      expect(await names('solar')).toEqual(['Vendor A (2024)', 'Vendor B']);

      const taken = await call('PATCH', `/api/templates/${other}`, { name: 'Vendor A (2024)' });
      expect(taken.status).toBe(409);
      expect(taken.json.error).toMatchObject({ code: 'template_name_taken', details: { field: 'name' } });
      expect(await names('solar')).toEqual(['Vendor A (2024)', 'Vendor B']);

      expect((await call('PATCH', `/api/templates/${other}`, { name: 'Vendor C' })).status).toBe(200);
      expect((await call('PATCH', `/api/templates/${other}`, { name: 'Vendor C' })).status).toBe(200);
      expect(await names('solar')).toEqual(['Vendor A (2024)', 'Vendor C']);
    });

    it('two renames to one name at once: one wins, the other is a 409', async () => {
      const first = await create('solar', 'Race 1');
      const second = await create('solar', 'Race 2');
      const answers = await Promise.all([
        call('PATCH', `/api/templates/${first}`, { name: 'Race' }),
        call('PATCH', `/api/templates/${second}`, { name: 'Race' }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect((await names('solar')).filter((name) => name.startsWith('Race'))).toHaveLength(2);
    });

    it('refuses an empty name, an unknown template and a source key', async () => {
      const id = await create('solar', 'Vendor D');
      const empty = await call('PATCH', `/api/templates/${id}`, { name: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.json.error.code).toBe('validation_failed');
      expect((await call('PATCH', `/api/templates/${id}`, {})).status).toBe(400);
      const missing = await call('PATCH', '/api/templates/nope', { name: 'X' });
      expect(missing.status).toBe(404);
      expect(missing.json.error.code).toBe('template_not_found');
      expect((await call('PATCH', `/api/templates/${id}`, { name: 'Mine' }, keys.acme)).status).toBe(403);
      expect((await call('DELETE', `/api/templates/${id}`, undefined, keys.acme)).status).toBe(403);
      expect(await names('solar')).toContain('Vendor D');
    });

    it('deletes a template (204), then it is gone', async () => {
      const id = await create('solar', 'Vendor E');
      expect(await call('DELETE', `/api/templates/${id}`)).toEqual({ status: 204, json: undefined });
      expect(await names('solar')).not.toContain('Vendor E');
      const again = await call('DELETE', `/api/templates/${id}`);
      expect(again.status).toBe(404);
      expect(again.json.error.code).toBe('template_not_found');
    });
  });
}
