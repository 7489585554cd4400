import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { runImport } from '../../src/imports/import.service.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const insurance: FlowDefinition = {
  id: 'insurance',
  name: 'Insurance',
  fields: [
    { name: 'first_name', required: true },
    { name: 'email', type: 'email', required: true },
    { name: 'company' },
  ],
  duplicates: { keys: ['email'], action: 'reject' },
  sources: [{ id: 'zen', name: 'Zen Leads' }],
};

// Rows 2-11. Expected: 2, 3 and 11 create leads; the rest fail, each for the reason in its comment.
const ROUTED_CSV = [
  'flow_id,source_id,First Name,Email,State,Company',
  'solar,acme-media,Ann,ann@x.com,TX,', // 2: solar lead
  'insurance,zen,Bob,ann@x.com,,Acme Inc', // 3: insurance lead (the same e-mail in another flow is no duplicate)
  'solar,zen,Cy,ann@x.com,CA,', // 4: duplicate of row 2 in solar
  'gutters,acme-media,Dee,dee@x.com,TX,', // 5: unknown flow
  'insurance,acme-media,Eve,eve@x.com,,', // 6: source not attached to insurance
  'insurance,zen,,fay@x.com,,', // 7: insurance requires first_name
  ',zen,Gus,gus@x.com,TX,', // 8: no flow named
  'solar,zen,Hal,hal@x.com,NY,', // 9: solar accepts TX, CA, AZ only
  'insurance,zen,Ivy,ann@x.com,,', // 10: duplicate of row 3 in insurance
  'solar,zen,Jo,jo@x.com,AZ,', // 11: solar lead
].join('\n');

const EXPECTED_REASONS: Record<number, RegExp> = {
  4: /^duplicate$/,
  5: /flow_id: unknown flow "gutters"/,
  6: /source_id: source "acme-media" is not attached to flow "insurance"/,
  7: /first_name is required/,
  8: /flow_id is blank/,
  9: /state/,
  10: /^duplicate$/,
};

function multipart(fields: Record<string, string>, file: { name: string; content: string }) {
  const boundary = `----leadport-test-${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`,
  );
  return {
    payload: `${parts.join('')}--${boundary}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

for (const dialect of DIALECTS) {
  describe(`imports whose rows name their flow and source, on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let jobs: EmbeddedJobRunner;
    let app: FastifyInstance;
    let admin = '';
    let zen = '';

    beforeAll(async () => {
      // Batches of 3 rows: the in-file duplicates (rows 4 and 10) are found across batches.
      t = await createTestStore(dialect, { LEADPORT_BATCH_SIZE: '3' });
      dir = tempDir();
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'zen', name: 'Zen Leads' }] });
      await applyFlow(t.store.db, insurance);
      admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      zen = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'zen' })).key;
      jobs = new EmbeddedJobRunner(t.store.db, t.config.jobLeaseMs);
      app = await createApp({ config: t.config, store: t.store, jobs });
      void jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));
    });
    afterAll(async () => {
      await jobs.stop();
      await app.close();
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token = admin) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: response.statusCode, json: response.json() };
    };
    const upload = async (fields: Record<string, string>, content: string, token = admin) => {
      const body = multipart(fields, { name: 'routed.csv', content });
      const response = await app.inject({
        method: 'POST',
        url: '/api/imports',
        headers: { authorization: `Bearer ${token}`, ...body.headers },
        payload: body.payload,
      });
      return { status: response.statusCode, json: response.json() };
    };
    // biome-ignore lint/suspicious/noExplicitAny: an import view read from JSON, checked field by field
    type View = Record<string, any>;
    const waitFor = async (importId: string, done: (view: View) => boolean, token = admin) => {
      for (let tries = 0; tries < 200; tries++) {
        const view = (await call('GET', `/api/imports/${importId}`, undefined, token)).json;
        if (done(view)) return view;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`import ${importId} did not get there`);
    };
    const leadsOf = (importId: string) =>
      t.store.db
        .selectFrom('leads')
        .select(['row_number', 'flow_id', 'source_id'])
        .where('import_id', '=', importId)
        .orderBy('row_number')
        .execute();

    it('maps the routing columns, validates and imports each row into the flow and source it names', async () => {
      const uploaded = await upload({ routeByColumns: 'true' }, ROUTED_CSV);
      expect(uploaded.status).toBe(201);
      const importId = uploaded.json.id as string;
      const fields = Object.fromEntries(
        (uploaded.json.preview.columns as { header: string; field: string | null }[]).map((c) => [c.header, c.field]),
      );
      // The fields of both flows are targets: Company exists only in insurance.
      expect(fields).toMatchObject({ flow_id: 'flow_id', source_id: 'source_id', Email: 'email', Company: 'company' });
      expect(uploaded.json.preview.missingRequired).toEqual([]);
      const view = (await call('GET', `/api/imports/${importId}`)).json;
      expect(view).toMatchObject({ routeByColumns: true, flowId: null, sourceId: null });

      // Back to one flow and source, and routed again: the flag switches, clearing the import's own flow.
      const single = await call('PUT', `/api/imports/${importId}/mapping`, {
        routeByColumns: false,
        flowId: 'solar',
        sourceId: 'acme-media',
      });
      expect(single.json.import).toMatchObject({ routeByColumns: false, flowId: 'solar', sourceId: 'acme-media' });
      const routed = await call('PUT', `/api/imports/${importId}/mapping`, { routeByColumns: true });
      expect(routed.json.import).toMatchObject({ routeByColumns: true, flowId: null, sourceId: null });
      expect(routed.json.preview.columns[0]).toMatchObject({ header: 'flow_id', field: 'flow_id' });
      // A flow chosen with routing is a contradiction, refused with the reason.
      const both = await call('PUT', `/api/imports/${importId}/mapping`, { routeByColumns: true, flowId: 'solar' });
      expect(both.status).toBe(400);
      expect(both.json.error.message).toMatch(/send no flowId/);

      expect((await call('POST', `/api/imports/${importId}/validate`)).status).toBe(202);
      const validated = await waitFor(importId, (v) => v.validation?.status === 'completed');
      expect(validated.validation).toMatchObject({ total: 10, created: 3, failed: 7, duplicates: 2 });

      expect((await call('POST', `/api/imports/${importId}/start`)).status).toBe(202);
      const done = await waitFor(importId, (v) => v.status === 'completed_with_errors');
      expect(done).toMatchObject({ total: 10, created: 3, updated: 0, failed: 7, duplicates: 2 });
      expect(await leadsOf(importId)).toEqual([
        { row_number: 2, flow_id: 'solar', source_id: 'acme-media' },
        { row_number: 3, flow_id: 'insurance', source_id: 'zen' },
        { row_number: 11, flow_id: 'solar', source_id: 'zen' },
      ]);
      const report = await call('GET', `/api/imports/${importId}/rows?limit=50`);
      const reasons = Object.fromEntries(
        (report.json.rows as { row: number; reason: string }[]).map((each) => [each.row, each.reason]),
      );
      expect(Object.keys(reasons).map(Number)).toEqual(Object.keys(EXPECTED_REASONS).map(Number));
      for (const [row, reason] of Object.entries(EXPECTED_REASONS)) expect(reasons[Number(row)]).toMatch(reason);
    });

    it('needs both routing columns mapped before it starts (422 naming them)', async () => {
      const csv = ['flow_id,First Name,Email', 'solar,Ann,kim@x.com'].join('\n');
      const uploaded = await upload({ routeByColumns: 'true' }, csv);
      expect(uploaded.json.preview.missingRequired).toEqual(['source_id']);
      const started = await call('POST', `/api/imports/${uploaded.json.id}/start`);
      expect(started.status).toBe(422);
      expect(started.json.error).toMatchObject({
        code: 'required_fields_unmapped',
        details: { fields: ['source_id'] },
      });
    });

    it("imports a source key's rows only into its own source, and only into flows it is attached to", async () => {
      const csv = [
        'flow_id,source_id,First Name,Email,State',
        'insurance,zen,Kim,kim@zen.com,',
        'insurance,acme-media,Lou,lou@zen.com,',
        'solar,zen,Max,max@zen.com,TX',
      ].join('\n');
      const uploaded = await upload({ routeByColumns: 'true' }, csv, zen);
      expect(uploaded.status).toBe(201);
      const importId = uploaded.json.id as string;
      expect((await call('GET', `/api/imports/${importId}`, undefined, zen)).json).toMatchObject({
        routeByColumns: true,
        sourceId: 'zen',
      });
      expect((await call('POST', `/api/imports/${importId}/start`, undefined, zen)).status).toBe(202);
      const done = await waitFor(importId, (v) => v.status === 'completed_with_errors', zen);
      expect(done).toMatchObject({ total: 3, created: 2, failed: 1 });
      const report = await call('GET', `/api/imports/${importId}/rows`, undefined, zen);
      expect(report.json.rows).toMatchObject([
        { row: 3, reason: expect.stringMatching(/belongs to source "zen"; it imports only into its own source/) },
      ]);
      expect((await leadsOf(importId)).map((lead) => lead.source_id)).toEqual(['zen', 'zen']);
      // Its failed row is recorded under its own source, not the one the row named.
      const event = await t.store.db
        .selectFrom('events')
        .select('source_id')
        .where('import_id', '=', importId)
        .executeTakeFirstOrThrow();
      expect(event.source_id).toBe('zen');
    });

    it('routes a local file from the CLI (leadport import --route-by-columns) the same way', async () => {
      const file = path.join(dir, 'routed.csv');
      fs.writeFileSync(file, ROUTED_CSV.replaceAll('@x.com', '@cli.com'));
      const summary = await runImport(t.store, t.config, { file, routeByColumns: true });
      expect(summary).toMatchObject({
        status: 'completed_with_errors',
        total: 10,
        created: 3,
        failed: 7,
        duplicates: 2,
      });
      await expect(runImport(t.store, t.config, { file, routeByColumns: true, flowId: 'solar' })).rejects.toThrow(
        /it takes no flow$/,
      );
    });
  });
}
