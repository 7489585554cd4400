import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { requireFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

// The flow routes validate their bodies and shape their answers with the flow schemas: a definition's
// problems come back as `leadport flows apply` reports them, and a flow comes back whole.
for (const dialect of DIALECTS) {
  describe(`flow routes on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let key = '';
    const call = async (method: 'GET' | 'PUT', url: string, body?: object) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(body ? { payload: body } : {}),
      });
      return { status: response.statusCode, json: response.json() };
    };

    beforeAll(async () => {
      t = await createTestStore(dialect);
      key = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('answers a flow as stored, nested rule sets, sources and duplicates included', async () => {
      const definition = {
        ...solar,
        id: undefined,
        acceptance: {
          all: [
            { field: 'email', op: 'format is valid' },
            {
              any: [
                { field: 'state', op: 'is equal to', value: 'TX' },
                { field: 'phone_1', op: 'is not blank' },
              ],
            },
          ],
        },
        webhook: { url: 'https://hooks.example.com/leads' },
      };
      const put = await call('PUT', '/api/flows/solar', definition);
      expect(put).toMatchObject({ status: 200, json: { id: 'solar', result: 'created' } });
      const stored = await requireFlow(t.store.db, 'solar');
      expect(put.json.flow).toEqual(stored);
      expect((await call('GET', '/api/flows/solar')).json).toEqual(stored);
      expect((await call('GET', '/api/flows')).json).toEqual([
        { id: 'solar', name: 'Solar quotes', fields: 7, sources: ['acme-media'], updatedAt: expect.any(String) },
      ]);
    });

    it('reports a bad rule set by its path, as invalid_flow_definition', async () => {
      const bad = await call('PUT', '/api/flows/solar', {
        ...solar,
        acceptance: { all: [{ field: 'email', op: 'is shiny' }] },
      });
      expect(bad).toMatchObject({ status: 400, json: { error: { code: 'invalid_flow_definition' } } });
      expect(bad.json.error.details.problems).toEqual([
        expect.stringMatching(/^acceptance\.0\.op: "is shiny" is not an operator/),
      ]);
    });
  });
}
