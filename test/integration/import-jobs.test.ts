import fs from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { executeImport } from '../../src/imports/import-run.js';
import {
  claimImportLease,
  insertImport,
  LeaseLost,
  newImportRow,
  saveProgress,
} from '../../src/imports/import.repository.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { JobReleased } from '../../src/jobs/job-runner.js';
import { SOLAR_HEADER, solarLeadCounts, writeSolarLeads } from '../helpers/lead-files.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

/** Records a local-file import waiting to start (what an upload or `leadport import` leaves). */
async function queuedImport(t: TestStore, file: string, status: 'uploaded' | 'queued'): Promise<string> {
  const id = `imp-${Math.random().toString(36).slice(2, 10)}`;
  await insertImport(
    t.store.db,
    newImportRow({
      id,
      flow_id: 'solar',
      source_id: 'acme-media',
      file_name: path.basename(file),
      file_path: file,
      file_size: fs.statSync(file).size,
      format: 'csv',
      options: JSON.stringify({ format: 'csv', encoding: 'utf-8', delimiter: ',', hasHeader: true, sheet: null }),
      columns: JSON.stringify(SOLAR_HEADER.split(',')),
      mapping: JSON.stringify(['first_name', 'last_name', 'email', 'phone_1', 'state', 'postal_code', 'roof_type']),
      status,
    }),
  );
  return id;
}

async function storedState(t: TestStore, importId: string) {
  const row = await t.store.db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
  const leads = await t.store.db
    .selectFrom('leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('import_id', '=', importId)
    .executeTakeFirstOrThrow();
  const events = await t.store.db
    .selectFrom('events')
    .select(['row_number'])
    .where('import_id', '=', importId)
    .execute();
  const leadRows = await t.store.db
    .selectFrom('leads')
    .select('row_number')
    .where('import_id', '=', importId)
    .execute();
  const rowNumbers = [...events, ...leadRows].map((entry) => entry.row_number as number).sort((a, b) => a - b);
  return { row, leads: Number(leads.n), rowNumbers };
}

for (const dialect of DIALECTS) {
  describe(`import jobs on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let jobs: EmbeddedJobRunner;
    let app: FastifyInstance;
    let admin = '';
    let other = '';

    beforeAll(async () => {
      t = await createTestStore(dialect, { LEADPORT_BATCH_SIZE: '50', LEADPORT_JOB_LEASE_SECONDS: '1' });
      dir = tempDir();
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }] });
      admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      other = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other' })).key;
      jobs = new EmbeddedJobRunner(t.store.db, t.config.jobLeaseMs);
      app = await createApp({ config: t.config, store: t.store, jobs });
    });
    afterEach(async () => {
      await jobs.stop();
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const call = async (method: 'GET' | 'POST', url: string, token = admin) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      const json = String(response.headers['content-type']).startsWith('application/json')
        ? response.json()
        : undefined;
      return { status: response.statusCode, json, body: response.body };
    };
    const waitFor = async (
      importId: string,
      done: (view: { status: string; validation: { status: string } | null }) => boolean,
    ) => {
      for (let tries = 0; tries < 200; tries++) {
        const view = (await call('GET', `/api/imports/${importId}`)).json;
        if (done(view)) return view;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`import ${importId} did not get there`);
    };
    const work = () => jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));

    it('starts an uploaded import in the background (202) and ends it with the right counts and rows', async () => {
      const file = writeSolarLeads(dir, 600);
      const importId = await queuedImport(t, file, 'uploaded');
      work();
      const started = await call('POST', `/api/imports/${importId}/start`);
      expect(started.status).toBe(202);
      expect(['queued', 'processing']).toContain(started.json.status);
      expect(started.json.startedBy).toMatch(/^admin/);
      const view = await waitFor(importId, (v) => v.status === 'completed_with_errors');
      expect(view).toMatchObject({ ...solarLeadCounts(600), fractionRead: 1 });
      const state = await storedState(t, importId);
      expect(state.leads).toBe(solarLeadCounts(600).created);
      expect(state.rowNumbers).toEqual(Array.from({ length: 600 }, (_, index) => index + 2));
      // Starting again is refused: it ran.
      expect((await call('POST', `/api/imports/${importId}/start`)).status).toBe(409);
    });

    it('streams progress as server-sent events ending with the final state', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 300), 'uploaded');
      work();
      await call('POST', `/api/imports/${importId}/start`);
      const stream = await call('GET', `/api/imports/${importId}/progress`);
      expect(stream.status).toBe(200);
      const events = stream.body.split('\n\n').filter(Boolean);
      const last = events.at(-1) as string;
      expect(last).toMatch(/^event: end\ndata: /);
      expect(JSON.parse(last.replace(/^event: end\ndata: /, ''))).toMatchObject({
        status: 'completed_with_errors',
        total: 300,
      });
      // Another source does not learn the import exists.
      expect((await call('GET', `/api/imports/${importId}/progress`, other)).status).toBe(404);
    });

    it('validates the whole file without storing a lead: would-be counts and every failing row', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 250), 'uploaded');
      work();
      expect((await call('POST', `/api/imports/${importId}/validate`)).status).toBe(202);
      const view = await waitFor(importId, (v) => v.validation?.status === 'completed');
      expect(view.status).toBe('uploaded');
      expect(view.validation).toEqual({
        ...solarLeadCounts(250),
        status: 'completed',
        updated: 0,
        unchanged: 0,
        duplicates: 5,
        fractionRead: 1,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        error: null,
      });
      const report = await t.store.db
        .selectFrom('import_report_rows')
        .selectAll()
        .where('import_id', '=', importId)
        .execute();
      expect(report).toHaveLength(solarLeadCounts(250).failed);
      // Row 25 repeats row 24's e-mail: an in-file duplicate, found though nothing is stored.
      expect(report.find((row) => row.row_number === 26)).toMatchObject({ action: 'duplicate' });
      expect((await storedState(t, importId)).leads).toBe(0);
      const notes = await t.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('import_id', '=', importId)
        .execute();
      expect(notes.map((note) => note.kind)).toEqual(['validation_finished']);
    });

    it('refuses to start an upload whose required fields are not mapped (422 naming them)', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 5), 'uploaded');
      await t.store.db
        .updateTable('imports')
        .set({ mapping: JSON.stringify(['first_name', null, null, null, null, null, null]) })
        .where('id', '=', importId)
        .execute();
      const answer = await call('POST', `/api/imports/${importId}/start`);
      expect(answer.status).toBe(422);
      expect(answer.json.error).toMatchObject({ code: 'required_fields_unmapped', details: { fields: ['email'] } });
    });

    it('cancels a running import after its current batch, keeping what was committed', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 3000), 'uploaded');
      work();
      await call('POST', `/api/imports/${importId}/start`);
      await waitFor(importId, (v) => v.status === 'processing' && (v as unknown as { total: number }).total > 0);
      expect((await call('POST', `/api/imports/${importId}/cancel`)).status).toBe(200);
      const view = await waitFor(importId, (v) => v.status === 'cancelled');
      const state = await storedState(t, importId);
      expect(view.total).toBeLessThan(3000);
      expect(state.rowNumbers).toEqual(Array.from({ length: view.total }, (_, index) => index + 2));
      expect((await call('POST', `/api/imports/${importId}/cancel`)).status).toBe(409);
    });

    it('cancels a queued import at once', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 5), 'uploaded');
      await call('POST', `/api/imports/${importId}/start`);
      const answer = await call('POST', `/api/imports/${importId}/cancel`);
      expect(answer.json.status).toBe('cancelled');
    });

    it('gives a running import back at shutdown and resumes it from the last committed batch', async () => {
      const file = writeSolarLeads(dir, 1000);
      const importId = await queuedImport(t, file, 'queued');
      const shutdown = new AbortController();
      let batches = 0;
      await expect(
        executeImport(t.store, t.config, importId, {
          signal: shutdown.signal,
          onProgress: () => {
            if (++batches === 3) shutdown.abort('shutdown');
          },
        }),
      ).rejects.toBeInstanceOf(JobReleased);
      const half = await storedState(t, importId);
      expect(half.row).toMatchObject({ status: 'queued', committed_rows: 151, lease_token: null });
      await executeImport(t.store, t.config, importId);
      const state = await storedState(t, importId);
      expect(state.row).toMatchObject({ status: 'completed_with_errors', ...solarLeadCounts(1000) });
      expect(state.leads).toBe(solarLeadCounts(1000).created);
      expect(state.rowNumbers).toEqual(Array.from({ length: 1000 }, (_, index) => index + 2));
    });

    it('gives a resumed import back at once when stopped while re-reading the rows committed before', async () => {
      const file = writeSolarLeads(dir, 400);
      const importId = await queuedImport(t, file, 'queued');
      const first = new AbortController();
      await expect(
        executeImport(t.store, t.config, importId, {
          signal: first.signal,
          onProgress: () => first.abort('shutdown'),
        }),
      ).rejects.toBeInstanceOf(JobReleased);
      expect((await storedState(t, importId)).row.committed_rows).toBe(51);
      // Already stopped when it starts: it must not store another batch on its way out.
      await expect(
        executeImport(t.store, t.config, importId, { signal: AbortSignal.abort('shutdown') }),
      ).rejects.toBeInstanceOf(JobReleased);
      const state = await storedState(t, importId);
      expect(state.row).toMatchObject({ status: 'queued', committed_rows: 51, lease_token: null });
    });

    it.runIf(dialect === 'sqlite')(
      'does not undo or fail an import another worker took over when the stale run then fails',
      async () => {
        const importId = await queuedImport(t, writeSolarLeads(dir, 300), 'queued');
        // A second connection to the same file, synchronous, so the progress hook can act between batches.
        const other = new Database(t.url.replace(/^sqlite:/, ''));
        try {
          await expect(
            executeImport(t.store, t.config, importId, {
              onProgress: () => {
                // Paused past its lease: another worker took the import over; then this run meets an error.
                other
                  .prepare('update imports set lease_token = ?, lease_expires_at = ? where id = ?')
                  .run('the-new-worker', new Date(Date.now() + 60_000).toISOString(), importId);
                throw new Error('disk on fire');
              },
            }),
          ).rejects.toBeInstanceOf(LeaseLost);
        } finally {
          other.close();
        }
        const state = await storedState(t, importId);
        expect(state.row).toMatchObject({ status: 'processing', lease_token: 'the-new-worker', committed_rows: 51 });
        expect(state.rowNumbers).toHaveLength(50);
      },
    );

    it('fences a worker whose lease another took over: its batch rolls back', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 5), 'queued');
      expect(await claimImportLease(t.store.db, importId, 'stale', 50)).toBeDefined();
      // A live lease cannot be taken; an expired one can.
      expect(await claimImportLease(t.store.db, importId, 'fresh', 60_000)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await claimImportLease(t.store.db, importId, 'fresh', 60_000)).toBeDefined();
      const counts = { total: 1, created: 1, updated: 0, unchanged: 0, failed: 0, duplicates: 0, committed_rows: 2 };
      await expect(
        t.store.db.transaction().execute((trx) => saveProgress(trx, importId, 'stale', counts, 0.5)),
      ).rejects.toBeInstanceOf(LeaseLost);
      await t.store.db.transaction().execute((trx) => saveProgress(trx, importId, 'fresh', counts, 0.5));
    });

    it('takes up an import whose worker died once its lease runs out', async () => {
      const importId = await queuedImport(t, writeSolarLeads(dir, 200), 'queued');
      // A worker that took the import and its job, then died: both leases run out after a second.
      await claimImportLease(t.store.db, importId, 'dead-worker', 1000);
      await jobs.enqueue('import', { importId }, { key: `import:${importId}` });
      await t.store.db
        .updateTable('jobs')
        .set({ status: 'running', lease_token: 'dead', lease_expires_at: new Date(Date.now() + 1000).toISOString() })
        .where('job_key', '=', `import:${importId}`)
        .execute();
      work();
      const view = await waitFor(importId, (v) => v.status === 'completed_with_errors');
      expect(view).toMatchObject(solarLeadCounts(200));
      expect((await storedState(t, importId)).rowNumbers).toHaveLength(200);
    });
  });
}
