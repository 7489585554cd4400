import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { ImportTable } from '../../src/db/schema.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { insertImport, newImportRow } from '../../src/imports/import.repository.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { startMaintenance } from '../../src/maintenance.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

const DAY = 86_400_000;

function importRow(id: string, values: Partial<ImportTable>): ImportTable {
  return newImportRow({
    id,
    flow_id: 'solar',
    source_id: 'acme-media',
    file_name: `${id}.csv`,
    file_size: 100,
    format: 'csv',
    options: '{}',
    columns: '["Email"]',
    mapping: '["email"]',
    status: 'completed',
    ...values,
  });
}

for (const dialect of DIALECTS) {
  describe(`import history on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const keys = { admin: '', acme: '' };

    const history = async (query: string, key = keys.admin) => {
      const response = await app.inject({
        method: 'GET',
        url: `/api/imports${query}`,
        headers: { authorization: `Bearer ${key}` },
      });
      const body = response.json() as { id: string }[] & { error?: { code: string } };
      return {
        status: response.statusCode,
        ids: Array.isArray(body) ? body.map((view) => view.id) : [],
        total: response.headers['x-total-count'],
        body,
      };
    };

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }] });
      await applyFlow(t.store.db, { ...solar, id: 'roof', name: 'Roofing' });
      keys.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      keys.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      app = await createApp({ config: t.config, store: t.store });
      await insertImport(t.store.db, importRow('i1', { created_at: '2024-01-10T10:00:00.000Z' }));
      await insertImport(t.store.db, importRow('i2', { status: 'failed', created_at: '2024-01-15T00:00:00.000Z' }));
      await insertImport(
        t.store.db,
        importRow('i3', {
          source_id: 'other',
          status: 'completed_with_errors',
          created_at: '2024-02-01T09:00:00.000Z',
        }),
      );
      await insertImport(t.store.db, importRow('i4', { flow_id: 'roof', created_at: '2024-02-15T18:00:00.000Z' }));
      await insertImport(
        t.store.db,
        importRow('i5', {
          flow_id: 'roof',
          source_id: 'other',
          status: 'cancelled',
          created_at: '2024-03-01T00:00:00.000Z',
        }),
      );
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('filters by status (one or a list), flow, source and dates, newest first, with the total in a header', async () => {
      expect(await history('')).toMatchObject({ status: 200, ids: ['i5', 'i4', 'i3', 'i2', 'i1'], total: '5' });
      expect(await history('?status=completed,failed')).toMatchObject({ ids: ['i4', 'i2', 'i1'], total: '3' });
      expect(await history('?status=cancelled')).toMatchObject({ ids: ['i5'], total: '1' });
      expect(await history('?flowId=roof')).toMatchObject({ ids: ['i5', 'i4'], total: '2' });
      expect(await history('?sourceId=other&flowId=solar')).toMatchObject({ ids: ['i3'], total: '1' });
      // A plain date as `to` includes that day; a time is exclusive.
      expect(await history('?from=2024-01-15&to=2024-02-15')).toMatchObject({ ids: ['i4', 'i3', 'i2'] });
      expect(await history('?from=2024-01-15T00:00:00Z&to=2024-02-15T18:00:00Z')).toMatchObject({
        ids: ['i3', 'i2'],
      });
      expect(await history('?from=2024-02-01T10:00:00%2B01:00')).toMatchObject({ ids: ['i5', 'i4', 'i3'] });
    });

    it('shows a source only its own imports; asking for another source gives an empty list', async () => {
      expect(await history('', keys.acme)).toMatchObject({ ids: ['i4', 'i2', 'i1'], total: '3' });
      expect(await history('?sourceId=other', keys.acme)).toMatchObject({ status: 200, ids: [], total: '0' });
      expect(await history('?sourceId=acme-media&status=completed', keys.acme)).toMatchObject({
        ids: ['i4', 'i1'],
        total: '2',
      });
    });

    // Last: it adds imports.
    it('pages with limit and offset, 50 by default, at most 500', async () => {
      expect(await history('?limit=2&offset=1')).toMatchObject({ ids: ['i4', 'i3'], total: '5' });
      expect(await history('?limit=2&offset=4')).toMatchObject({ ids: ['i1'], total: '5' });
      expect(await history('?offset=9')).toMatchObject({ ids: [], total: '5' });
      const many = Array.from({ length: 55 }, (_, index) =>
        importRow(`m${String(index).padStart(2, '0')}`, {
          created_at: `2025-01-01T00:00:${String(index).padStart(2, '0')}.000Z`,
        }),
      );
      for (const row of many) await insertImport(t.store.db, row);
      const first = await history('');
      expect(first.ids).toHaveLength(50);
      expect(first.ids[0]).toBe('m54');
      expect(first.total).toBe('60');
      const bad = await history('?limit=501');
      expect(bad.status).toBe(400);
      expect(bad.body.error?.code).toBe('validation_failed');
      expect((await history('?status=done')).status).toBe(400);
      expect((await history('?from=yesterday')).status).toBe(400);
    });
  });

  describe(`uploaded file retention on ${dialect}`, () => {
    let t: TestStore;
    let jobs: EmbeddedJobRunner;

    beforeEach(async () => {
      t = await createTestStore(dialect, { LEADPORT_FILE_RETENTION_DAYS: '30' });
      await applyFlow(t.store.db, solar);
      jobs = new EmbeddedJobRunner(t.store.db, 2000);
    });
    afterEach(async () => {
      await jobs.stop();
      await t.destroy();
    });

    const chunksOf = async (importId: string) =>
      (await t.store.db.selectFrom('import_files').select('chunk').where('import_id', '=', importId).execute()).length;
    const job = (id: string, status: string, finishedAt: string | null) => ({
      id,
      kind: 'import',
      payload: '{}',
      job_key: null,
      status,
      attempts: 1,
      max_attempts: 3,
      run_after: finishedAt ?? new Date().toISOString(),
      lease_token: null,
      lease_expires_at: null,
      last_error: null,
      created_at: finishedAt ?? new Date().toISOString(),
      finished_at: finishedAt,
    });

    it('the hourly housekeeping job removes expired uploaded files (reports stay) and old finished jobs', async () => {
      const now = Date.now();
      const ago = (days: number) => new Date(now - days * DAY).toISOString();
      const rows = [
        importRow('old', { created_at: ago(31), file_stored: 1, failed: 2, total: 10 }),
        importRow('recent', { created_at: ago(29), file_stored: 1 }),
        importRow('running', { created_at: ago(40), file_stored: 1, status: 'processing' }),
        importRow('local', { created_at: ago(40), file_path: '/tmp/leads.csv' }),
      ];
      for (const row of rows) await insertImport(t.store.db, row);
      // Uploads killed before they became an import: one two days ago, one still arriving.
      const idAt = (ms: number, tail: string) => {
        const time = ms.toString(16).padStart(12, '0');
        return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-${tail.padStart(12, '0')}`;
      };
      const deadUpload = idAt(now - 2 * DAY, '1');
      const liveUpload = idAt(now - 60_000, '2');
      for (const id of ['old', 'recent', 'running', deadUpload, liveUpload])
        for (const chunk of [0, 1])
          await t.store.db
            .insertInto('import_files')
            .values({ import_id: id, chunk, data: new Uint8Array([1, 2, 3]) })
            .execute();
      await t.store.db
        .insertInto('import_report_rows')
        .values({
          import_id: 'old',
          row_number: 2,
          outcome: 'failure',
          action: 'rejected',
          reason: 'email is not valid',
          cells: '["x"]',
          duplicate_of: null,
          duplicate_key: null,
        })
        .execute();
      await t.store.db
        .insertInto('jobs')
        .values([
          job('done-old', 'done', ago(2)),
          job('done-recent', 'done', new Date(now - 3_600_000).toISOString()),
          job('failed-old', 'failed', ago(2)),
        ])
        .execute();

      jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));
      const errors: unknown[] = [];
      const stop = startMaintenance(t.store, jobs, (error) => errors.push(error));
      try {
        for (let tries = 0; tries < 200; tries++) {
          const housekeeping = await t.store.db
            .selectFrom('jobs')
            .select('status')
            .where('job_key', '=', 'housekeeping')
            .executeTakeFirst();
          if (housekeeping?.status === 'done') break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        stop();
      }
      expect(errors).toEqual([]);

      expect(await chunksOf('old')).toBe(0);
      expect(await chunksOf('recent')).toBe(2);
      expect(await chunksOf('running')).toBe(2);
      expect(await chunksOf(deadUpload)).toBe(0);
      expect(await chunksOf(liveUpload)).toBe(2);
      const imports = await t.store.db
        .selectFrom('imports')
        .select(['id', 'file_deleted_at', 'failed', 'total'])
        .orderBy('id')
        .execute();
      expect(imports).toEqual([
        { id: 'local', file_deleted_at: null, failed: 0, total: 0 },
        { id: 'old', file_deleted_at: expect.any(String), failed: 2, total: 10 },
        { id: 'recent', file_deleted_at: null, failed: 0, total: 0 },
        { id: 'running', file_deleted_at: null, failed: 0, total: 0 },
      ]);
      const report = await t.store.db.selectFrom('import_report_rows').select('import_id').execute();
      expect(report).toEqual([{ import_id: 'old' }]);
      const left = await t.store.db
        .selectFrom('jobs')
        .select('id')
        .where('kind', '=', 'import')
        .orderBy('id')
        .execute();
      expect(left).toEqual([{ id: 'done-recent' }, { id: 'failed-old' }]);
    });
  });
}
