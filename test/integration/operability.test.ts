import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { runImport } from '../../src/imports/import.service.js';
import { createJobRunner } from '../../src/jobs/create-job-runner.js';
import type { JobRunner } from '../../src/jobs/job-runner.js';
import { Metrics } from '../../src/metrics.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

/** The value of one series (name and labels exactly as exposed) in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const dialect of DIALECTS) {
  describe(`readiness and metrics on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let metrics: Metrics;
    let jobs: JobRunner;

    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;

    beforeEach(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, solar);
      metrics = new Metrics();
      jobs = createJobRunner(t.store, t.config);
      app = await createApp({ config: t.config, store: t.store, metrics, jobs });
    });
    afterEach(async () => {
      await app.close();
      await jobs.stop();
      await t.destroy();
    });

    it('answers /ready with the store and each check when the database answers', async () => {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ready', store: dialect, checks: { database: 'ok', queue: 'ok' } });
    });

    it('answers /ready 503 storage_unavailable naming the failed check when the database is gone', async () => {
      await t.store.close();
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        error: {
          code: 'storage_unavailable',
          message: 'not ready: database failed, queue failed',
          details: { checks: { database: 'failed', queue: 'failed' } },
        },
      });
    });

    it('serves Prometheus text with process metrics and requests by route pattern', async () => {
      const adminKey = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      const lead = await app.inject({
        method: 'GET',
        url: '/api/leads/no-such-lead',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(lead.statusCode).toBe(404);
      await app.inject({ method: 'GET', url: '/no/such/route' });

      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = response.body;
      expect(text).toContain('# TYPE leadport_process_cpu_seconds_total counter');
      expect(text).toContain('# TYPE leadport_http_request_duration_seconds histogram');
      expect(
        sample(
          text,
          'leadport_http_request_duration_seconds_count{method="GET",route="/api/leads/:id",status_code="404"}',
        ),
      ).toBe(1);
      expect(
        sample(text, 'leadport_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'),
      ).toBe(1);
      // The pattern, never the URL: an id in a label would make a series per lead.
      expect(text).not.toContain('no-such-lead');
      expect(text).not.toContain('/no/such/route');
    });

    it('counts real-time submissions by outcome, an idempotent replay once', async () => {
      const sourceKey = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      const submit = (payload: object, headers: Record<string, string> = {}) =>
        app.inject({
          method: 'POST',
          url: '/flows/solar/sources/acme-media/submit',
          headers: { authorization: `Bearer ${sourceKey}`, ...headers },
          payload,
        });
      const before = await scrape();
      expect(sample(before, 'leadport_submissions_total{outcome="success"}')).toBe(0);

      const accepted = { first_name: 'Ann', email: 'ann@example.com', state: 'TX' };
      expect((await submit(accepted, { 'idempotency-key': 'k1' })).json()).toMatchObject({ outcome: 'success' });
      const replay = await submit(accepted, { 'idempotency-key': 'k1' });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const rejected = await submit({ first_name: 'Bo', email: 'bo@example.com', state: 'NY' });
      expect(rejected.json()).toMatchObject({ outcome: 'failure' });

      const after = await scrape();
      expect(sample(after, 'leadport_submissions_total{outcome="success"}')).toBe(1);
      expect(sample(after, 'leadport_submissions_total{outcome="failure"}')).toBe(1);
      expect(sample(after, 'leadport_submissions_total{outcome="error"}')).toBe(0);
      expect(
        sample(
          after,
          'leadport_http_request_duration_seconds_count{method="POST",route="/flows/:flowId/sources/:sourceId/submit",status_code="201"}',
        ),
      ).toBe(3);
    });

    it('counts committed import rows by outcome, batch by batch, and nothing for a dry run', async () => {
      // 3,000 rows in batches of 500 (the reader hands over whole chunks, so batches may hold more).
      const file = path.join(tempDir(), 'leads.csv');
      const rows = Array.from(
        { length: 3000 },
        (_, i) => `Lead ${i},lead${i}@example.com,${i % 4 === 0 ? 'NY' : 'TX'}`,
      );
      fs.writeFileSync(file, `First Name,Email,State\n${rows.join('\n')}\n`);
      const config = { ...t.config, batchSize: 500 };
      const request = { file, flowId: 'solar', sourceId: 'acme-media', metrics };
      const batches: number[] = [];
      const reporting = {
        importedRows: (batch: { created: number; updated: number; failed: number }) => {
          batches.push(batch.created + batch.updated + batch.failed);
          metrics.importedRows(batch);
        },
      };
      await runImport(t.store, config, { ...request, dryRun: true });
      expect(sample(await scrape(), 'leadport_import_rows_total{outcome="created"}')).toBe(0);

      const first = await runImport(t.store, config, { ...request, metrics: reporting });
      expect(first).toMatchObject({ total: 3000, created: 2250, failed: 750 });
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.reduce((sum, rows) => sum + rows, 0)).toBe(3000);
      // Again: every row a duplicate now.
      const second = await runImport(t.store, config, request);
      expect(second).toMatchObject({ created: 0, failed: 3000 });

      const text = await scrape();
      expect(sample(text, 'leadport_import_rows_total{outcome="created"}')).toBe(2250);
      expect(sample(text, 'leadport_import_rows_total{outcome="updated"}')).toBe(0);
      expect(sample(text, 'leadport_import_rows_total{outcome="failed"}')).toBe(3750);
      // The job queue by state, read at the scrape: two import jobs and a validation ran, none waits.
      expect(sample(text, 'leadport_jobs{state="queued"}')).toBe(0);
      // A job waiting in the queue this store uses (pg-boss on PostgreSQL, the jobs table on SQLite).
      await jobs.enqueue('housekeeping', {}, { delayMs: 60_000 });
      expect(sample(await scrape(), 'leadport_jobs{state="queued"}')).toBe(1);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });
  });
}
