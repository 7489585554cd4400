import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const flowOf = (id: string, action: 'update' | 'merge'): FlowDefinition => ({
  id,
  name: `Leads to ${action}`,
  fields: [{ name: 'first_name', required: true }, { name: 'email', type: 'email', required: true }, { name: 'city' }],
  duplicates: { keys: ['email'], action },
  sources: [{ id: 'acme-media', name: 'Acme Media' }],
});

const FIRST = [
  'Name,Email,City',
  'Ann,ann@example.com,Austin',
  'Bob,bob@example.com,Boston',
  'Cy,cy@example.com,Chicago',
  'Dee,dee@example.com,',
];

// Against FIRST stored: which rows change nothing, under update and under merge.
const SECOND = [
  'Name,Email,City',
  'Ann,ann@example.com,Austin', // the stored values: unchanged
  'Bob,bob@example.com,', // a blank city overwrites nothing: unchanged
  'Cy,cy@example.com,Cleveland', // update: a new city; merge: the city is filled already, unchanged
  'Dee,DEE@Example.com,', // the same lead (the key is the normalised e-mail), nothing new: unchanged
  'Dee,dee@example.com,Denver', // fills the empty city: a change under both
  'Eve,eve@example.com,El Paso', // a new lead
  'Eve,eve@example.com,El Paso', // repeats the lead the row above created: unchanged
  'Fay,,Fresno', // email is required: failed
];

/** A multipart/form-data upload of a CSV for the flow and acme-media. */
function uploadBody(flowId: string, lines: readonly string[]) {
  const boundary = `----leadport-test-${randomBytes(8).toString('hex')}`;
  const part = (disposition: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; ${disposition}\r\n\r\n${value}\r\n`;
  const payload =
    part('name="flowId"', flowId) +
    part('name="sourceId"', 'acme-media') +
    part('name="file"; filename="leads.csv"\r\nContent-Type: text/csv', `${lines.join('\n')}\n`) +
    `--${boundary}--\r\n`;
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

for (const dialect of DIALECTS) {
  describe(`unchanged rows of an import on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let jobs: EmbeddedJobRunner;
    let admin = '';

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, flowOf('refresh-update', 'update'));
      await applyFlow(t.store.db, flowOf('refresh-merge', 'merge'));
      admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      jobs = new EmbeddedJobRunner(t.store.db, t.config.jobLeaseMs);
      app = await createApp({ config: t.config, store: t.store, jobs });
      jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));
    });
    afterAll(async () => {
      await jobs.stop();
      await app.close();
      await t.destroy();
    });

    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${admin}` },
        ...(payload ? { payload } : {}),
      });
      return { status: response.statusCode, json: response.json() };
    };
    // biome-ignore lint/suspicious/noExplicitAny: the import view as the API answers it
    const waitFor = async (id: string, done: (view: any) => boolean) => {
      for (let tries = 0; tries < 200; tries++) {
        const view = (await call('GET', `/api/imports/${id}`)).json;
        if (done(view)) return view;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`import ${id} did not get there`);
    };
    const upload = async (flowId: string, lines: readonly string[]): Promise<string> => {
      const body = uploadBody(flowId, lines);
      const response = await app.inject({
        method: 'POST',
        url: '/api/imports',
        payload: body.payload,
        headers: { ...body.headers, authorization: `Bearer ${admin}` },
      });
      expect(response.statusCode).toBe(201);
      const id = response.json().id as string;
      const mapped = await call('PUT', `/api/imports/${id}/mapping`, {
        mapping: { Name: 'first_name', Email: 'email', City: 'city' },
      });
      expect(mapped.status).toBe(200);
      return id;
    };
    const imported = async (id: string) => {
      expect((await call('POST', `/api/imports/${id}/start`)).status).toBe(202);
      return waitFor(id, (view) => ['completed', 'completed_with_errors', 'failed'].includes(view.status));
    };
    const cities = async (flowId: string) => {
      const leads = await t.store.db.selectFrom('leads').select('fields').where('flow_id', '=', flowId).execute();
      return Object.fromEntries(
        leads.map((lead) => {
          const fields = JSON.parse(lead.fields);
          return [fields.first_name, fields.city ?? null];
        }),
      );
    };

    const cases = [
      { action: 'update', unchanged: 4, city: { Cy: 'Cleveland' } },
      { action: 'merge', unchanged: 5, city: { Cy: 'Chicago' } },
    ] as const;
    for (const { action, unchanged, city } of cases) {
      it(`${action}: counts the rows that change nothing as unchanged, within updated, in validation and import`, async () => {
        const flowId = `refresh-${action}`;
        const first = await imported(await upload(flowId, FIRST));
        expect(first).toMatchObject({ status: 'completed', total: 4, created: 4, updated: 0, unchanged: 0 });

        const id = await upload(flowId, SECOND);
        const counts = { total: 8, created: 1, updated: 6, unchanged, failed: 1, duplicates: 6 };
        expect((await call('POST', `/api/imports/${id}/validate`)).status).toBe(202);
        const validated = await waitFor(id, (view) => view.validation?.status === 'completed');
        expect(validated.validation).toMatchObject(counts);
        // The dry run changed no lead.
        expect(await cities(flowId)).toEqual({ Ann: 'Austin', Bob: 'Boston', Cy: 'Chicago', Dee: null });

        const summary = await imported(id);
        expect(summary).toMatchObject({ status: 'completed_with_errors', ...counts });
        expect(summary.total).toBe(summary.created + summary.updated + summary.failed);
        expect(await cities(flowId)).toEqual({
          Ann: 'Austin',
          Bob: 'Boston',
          Dee: 'Denver',
          Eve: 'El Paso',
          ...city,
        });
        // The history shows the same figure.
        const history = await call('GET', `/api/imports?flowId=${flowId}`);
        expect(history.json.find((entry: { id: string }) => entry.id === id)).toMatchObject({ unchanged });
      });
    }
  });
}
