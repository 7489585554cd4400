import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { insertImport, newImportRow } from '../../src/imports/import.repository.js';
import type { ImportView, RevertResult } from '../../src/imports/import.schema.js';
import { runImport } from '../../src/imports/import.service.js';
import { executeRevert, REVERT_ATTEMPTS } from '../../src/imports/revert.service.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { JobReleased } from '../../src/jobs/job-runner.js';
import { revertJob } from '../../src/jobs/revert.job.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

const HEADER = 'First Name,Email,Phone,State';

function writeCsv(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
  return file;
}

type Fields = Record<string, unknown>;

for (const dialect of DIALECTS) {
  describe(`import revert on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let app: FastifyInstance;
    let jobs: EmbeddedJobRunner;
    const keys = { admin: '', acme: '', other: '' };

    const api = async (method: 'GET' | 'POST', url: string, key: string, payload?: object) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload });
      return { status: response.statusCode, json: response.json() as ImportView & { error?: { code: string } } };
    };
    const submit = async (sourceId: string, key: string, fields: Record<string, string>) => {
      const response = await api('POST', `/flows/solar/sources/${sourceId}/submit`, key, fields);
      expect(response.json).toMatchObject({ outcome: 'success' });
    };
    const importFile = async (name: string, lines: string[]) =>
      (
        await runImport(t.store, t.config, {
          file: writeCsv(dir, name, lines),
          flowId: 'solar',
          sourceId: 'acme-media',
        })
      ).importId;
    const leadsByEmail = async () => {
      const rows = await t.store.db.selectFrom('leads').select(['id', 'fields', 'import_id']).execute();
      return new Map(
        rows.map((row) => {
          const fields = JSON.parse(row.fields) as Fields;
          return [fields.email as string, { id: row.id, fields, importId: row.import_id }];
        }),
      );
    };
    const waitForStatus = async (importId: string, status: string) => {
      for (let tries = 0; tries < 200; tries++) {
        const view = (await api('GET', `/api/imports/${importId}`, keys.admin)).json;
        if (view.status === status) return view;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`import ${importId} did not become ${status}`);
    };

    /**
     * Import A creates Ann, Bob and Cy; import X updates Ann (twice), Bob and Cy, creates Dee and Eve (and
     * updates Eve in the same file), and fails a row; then Bob and Eve are changed by real-time submissions
     * and Cy by import Y.
     */
    async function scenario() {
      await importFile('a.csv', ['Ann,ann@x.com,,TX', 'Bob,bob@x.com,,TX', 'Cy,cy@x.com,,TX']);
      const before = await leadsByEmail();
      const importX = await importFile('x.csv', [
        'Annie,ann@x.com,512-555-0101,CA',
        'Bobby,bob@x.com,,AZ',
        'Cy2,cy@x.com,,CA',
        'Dee,dee@x.com,,TX',
        'Eve,eve@x.com,,TX',
        'Eva,eve@x.com,512-555-0107,AZ',
        'Zed,not-an-email,,TX',
        'Ann B,ann@x.com,,TX',
      ]);
      await submit('acme-media', keys.acme, { first_name: 'Robert', email: 'bob@x.com', state: 'TX' });
      await submit('other', keys.other, { first_name: 'Evelyn', email: 'eve@x.com', state: 'CA' });
      const importY = await importFile('y.csv', ['Cyrus,cy@x.com,,TX']);
      const after = await leadsByEmail();
      const events = await t.store.db.selectFrom('events').select('id').where('import_id', '=', importX).execute();
      return { before, after, importX, importY, events: events.length };
    }

    /** What reverting X must leave, whether it runs at once or in pieces. */
    async function expectReverted(s: Awaited<ReturnType<typeof scenario>>, revert: RevertResult | null) {
      const leads = await leadsByEmail();
      expect(leads.has('dee@x.com')).toBe(false);
      const deeKeys = await t.store.db
        .selectFrom('duplicate_keys')
        .select('key')
        .where('lead_id', '=', s.after.get('dee@x.com')?.id as string)
        .execute();
      expect(deeKeys).toEqual([]);
      expect(leads.get('ann@x.com')?.fields).toEqual(s.before.get('ann@x.com')?.fields);
      expect(leads.get('bob@x.com')?.fields).toEqual(s.after.get('bob@x.com')?.fields);
      expect(leads.get('bob@x.com')?.fields).toMatchObject({ first_name: 'Robert' });
      expect(leads.get('cy@x.com')?.fields).toMatchObject({ first_name: 'Cyrus' });
      expect(leads.get('eve@x.com')?.fields).toMatchObject({ first_name: 'Evelyn', state: 'CA' });
      expect(leads.size).toBe(4);
      expect(revert).toEqual({
        status: 'completed',
        removed: 1,
        restored: 1,
        conflicts: [
          {
            leadId: s.after.get('bob@x.com')?.id,
            rowNumber: 3,
            reason: expect.stringMatching(
              /^changed after this import by a real-time submission from acme-media at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
            ),
          },
          {
            leadId: s.after.get('cy@x.com')?.id,
            rowNumber: 4,
            reason: `changed after this import by import ${s.importY}`,
          },
          {
            leadId: s.after.get('eve@x.com')?.id,
            rowNumber: 6,
            reason: expect.stringMatching(/^changed after this import by a real-time submission from other at /),
          },
        ],
        conflictCount: 3,
        rowReached: 9,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        error: null,
      });
      // The import's events stay: its history.
      const events = await t.store.db.selectFrom('events').select('id').where('import_id', '=', s.importX).execute();
      expect(events).toHaveLength(s.events);
    }

    beforeEach(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
      await applyFlow(t.store.db, {
        ...solar,
        duplicates: { keys: ['email'], action: 'update' },
        sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }],
      });
      keys.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      keys.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      keys.other = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other' })).key;
      jobs = new EmbeddedJobRunner(t.store.db, 2000);
      app = await createApp({ config: t.config, store: t.store, jobs });
    });
    afterEach(async () => {
      await jobs.stop();
      await app.close();
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('removes the created leads, restores the updated ones, leaves leads changed since as conflicts; once', async () => {
      const s = await scenario();
      jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));

      const accepted = await api('POST', `/api/imports/${s.importX}/revert`, keys.acme);
      expect(accepted.status).toBe(202);
      expect(accepted.json.id).toBe(s.importX);
      expect(accepted.json.revert).toMatchObject({ startedAt: expect.any(String) });

      const reverted = await waitForStatus(s.importX, 'reverted');
      await expectReverted(s, reverted.revert);
      const notifications = await t.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('kind', '=', 'import_reverted')
        .execute();
      expect(notifications).toEqual([
        expect.objectContaining({
          import_id: s.importX,
          source_id: 'acme-media',
          status: 'reverted',
          message: 'Import of x.csv was reverted: 1 lead removed, 1 restored, 3 left as they were changed since.',
        }),
      ]);

      // Asking again answers with the stored result and does nothing.
      const leads = await leadsByEmail();
      const again = await api('POST', `/api/imports/${s.importX}/revert`, keys.admin);
      expect(again.status).toBe(200);
      expect(again.json.revert).toEqual(reverted.revert);
      expect(await leadsByEmail()).toEqual(leads);
      const revertJobs = await t.store.db.selectFrom('jobs').select('id').where('kind', '=', 'revert').execute();
      expect(revertJobs).toHaveLength(1);
    });

    it('a revert that stops between batches goes on where it stopped, and nothing is done twice', async () => {
      const s = await scenario();
      const stop = new AbortController();
      const seen: number[] = [];
      await expect(
        executeRevert(t.store, s.importX, {
          batchRows: 2,
          signal: stop.signal,
          onProgress: (revert) => {
            seen.push(revert.rowReached);
            stop.abort('shutdown');
          },
        }),
      ).rejects.toBeInstanceOf(JobReleased);
      expect(seen).toEqual([3]);
      const halfway = await t.store.db
        .selectFrom('imports')
        .select(['status', 'revert'])
        .where('id', '=', s.importX)
        .executeTakeFirstOrThrow();
      expect(halfway.status).toBe('completed_with_errors');
      expect(JSON.parse(halfway.revert as string)).toMatchObject({
        status: 'running',
        restored: 1,
        conflictCount: 1,
        rowReached: 3,
      });

      // Rows 2 and 9 both updated Ann, in different batches: only the first one's values are restored.
      await executeRevert(t.store, s.importX, { batchRows: 2, onProgress: (revert) => seen.push(revert.rowReached) });
      expect(seen).toEqual([3, 5, 9]);
      const done = await t.store.db
        .selectFrom('imports')
        .select(['status', 'revert'])
        .where('id', '=', s.importX)
        .executeTakeFirstOrThrow();
      expect(done.status).toBe('reverted');
      await expectReverted(s, JSON.parse(done.revert as string) as RevertResult);

      // A third run (a job run twice) finds the import reverted and changes nothing.
      await executeRevert(t.store, s.importX);
      const again = await t.store.db
        .selectFrom('imports')
        .select('revert')
        .where('id', '=', s.importX)
        .executeTakeFirstOrThrow();
      expect(again.revert).toBe(done.revert);
    });

    it('a later import that was itself reverted is no conflict: its revert gave the lead back', async () => {
      const s = await scenario();
      await executeRevert(t.store, s.importY);
      expect((await leadsByEmail()).get('cy@x.com')?.fields).toMatchObject({ first_name: 'Cy2' });
      await executeRevert(t.store, s.importX);
      const leads = await leadsByEmail();
      expect(leads.get('cy@x.com')?.fields).toEqual(s.before.get('cy@x.com')?.fields);
      const row = await t.store.db
        .selectFrom('imports')
        .select('revert')
        .where('id', '=', s.importX)
        .executeTakeFirstOrThrow();
      const revert = JSON.parse(row.revert as string) as RevertResult;
      expect(revert).toMatchObject({ removed: 1, restored: 2, conflictCount: 2 });
      expect(revert.conflicts.map((conflict) => conflict.rowNumber)).toEqual([3, 6]);
    });

    it('a revert whose last try fails is marked failed with the error; asking again goes on', async () => {
      const importId = await importFile('x.csv', ['Dee,dee@x.com,,TX']);
      expect((await api('POST', `/api/imports/${importId}/revert`, keys.acme)).status).toBe(202);
      // The database loses a table the revert reads: every try fails.
      await sql`drop table events`.execute(t.store.db);
      const handler = revertJob({ config: t.config, store: t.store, jobs, log: () => {} });
      const context = (attempt: number) => ({ jobId: 'j', attempt, signal: new AbortController().signal });
      await expect(handler({ importId }, context(1))).rejects.toThrow();
      expect((await api('GET', `/api/imports/${importId}`, keys.acme)).json.revert?.status).toBe('running');
      await expect(handler({ importId }, context(REVERT_ATTEMPTS))).rejects.toThrow();
      const failed = (await api('GET', `/api/imports/${importId}`, keys.acme)).json;
      expect(failed.status).toBe('completed');
      expect(failed.revert).toMatchObject({ status: 'failed', error: expect.stringMatching(/events/) });

      const again = await api('POST', `/api/imports/${importId}/revert`, keys.acme);
      expect(again.status).toBe(202);
      expect(again.json.revert).toMatchObject({ status: 'running', error: null, startedAt: failed.revert?.startedAt });
    });

    it('answers a revert asked for while it waits with the same, refuses other states and other sources', async () => {
      const importId = await importFile('x.csv', ['Dee,dee@x.com,,TX']);
      // No worker: the revert waits in the queue.
      const first = await api('POST', `/api/imports/${importId}/revert`, keys.acme);
      const second = await api('POST', `/api/imports/${importId}/revert`, keys.admin);
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(second.json.revert).toEqual(first.json.revert);
      expect(second.json.status).toBe('completed');
      const queued = await t.store.db
        .selectFrom('jobs')
        .select(['job_key', 'status'])
        .where('kind', '=', 'revert')
        .execute();
      expect(queued).toEqual([{ job_key: `revert:${importId}`, status: 'queued' }]);

      const otherSource = await api('POST', `/api/imports/${importId}/revert`, keys.other);
      expect(otherSource.status).toBe(404);
      expect(otherSource.json.error?.code).toBe('import_not_found');

      const failedId = 'imp-failed';
      await insertImport(
        t.store.db,
        newImportRow({
          id: failedId,
          flow_id: 'solar',
          source_id: 'acme-media',
          file_name: 'broken.csv',
          file_size: 10,
          format: 'csv',
          options: '{}',
          columns: '[]',
          mapping: '[]',
          status: 'failed',
        }),
      );
      const refused = await api('POST', `/api/imports/${failedId}/revert`, keys.admin);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toMatchObject({
        code: 'invalid_state_transition',
        details: { from: 'failed', to: 'reverted' },
      });
    });
  });
}
