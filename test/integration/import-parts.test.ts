import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { compileFlow } from '../../src/core/pipeline.js';
import { applyFlow, requireFlow } from '../../src/flows/flow.service.js';
import { OPERATOR } from '../../src/auth/auth.service.js';
import { cancelImport } from '../../src/imports/import-job.service.js';
import {
  claimPartLease,
  findParts,
  savePartProgress,
  type PartLease,
} from '../../src/imports/import-part.repository.js';
import { executeImportInParts, executeImportPart } from '../../src/imports/import-parts.js';
import { executeImport } from '../../src/imports/import-run.js';
import { findImport, LeaseLost } from '../../src/imports/import.repository.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { JobReleased, type JobRunner } from '../../src/jobs/job-runner.js';
import type { Store } from '../../src/db/database.js';
import { evaluatedSubmission, storeBatches } from '../../src/leads/lead.service.js';
import { SubmissionQueue } from '../../src/leads/submission-queue.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';
import {
  everyRow,
  flowDefinition,
  importResults,
  queuedImport,
  seedLeads,
  spelled,
  waitForEnd,
  writeLeads,
  type Duplicates,
} from '../helpers/keyed-leads.js';

const ROWS = 3000;
const PARTS = 4;

/**
 * The store, with each transaction waiting for `gate()` first: a hook that starts something between two
 * batches (a takeover, a cancel request) has it done before the next batch writes, on either dialect.
 */
function gatedStore(t: TestStore, gate: () => Promise<unknown> | undefined): Store {
  return {
    ...t.store,
    transaction: async (work) => {
      await gate();
      return t.store.transaction(work);
    },
  };
}

/** A job runner stand-in that only records what the import job queues (the test runs the parts itself). */
function recordingJobs(): Pick<JobRunner, 'enqueue'> & { readonly queued: unknown[] } {
  const queued: unknown[] = [];
  return {
    queued,
    enqueue: async (kind, payload) => {
      queued.push({ kind, payload });
      return String(queued.length);
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`imports split into parts on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    let parts: Config;

    beforeAll(async () => {
      t = await createTestStore(dialect, { LEADPORT_BATCH_SIZE: '40' });
      parts = { ...t.config, importParts: PARTS };
      dir = tempDir();
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Two flows alike, seeded alike: one imports the file as one part, the other in parts. */
    async function twinFlows(name: string, duplicates: Duplicates, tag: string): Promise<[string, string]> {
      const ids: [string, string] = [`${name}-one`, `${name}-parts`];
      for (const id of ids) {
        await applyFlow(t.store.db, flowDefinition(id, duplicates));
        await seedLeads(t, id, tag);
      }
      return ids;
    }

    /**
     * Runs an import in parts on two job runners working at once (two workers in one process), each taking
     * two jobs at a time. A part waits until both runners have started one: the first runner, its two
     * places taken, leaves the other parts to the second, so both surely work on the import at once.
     */
    async function importInParts(flowId: string, file: string): Promise<{ importId: string }> {
      const importId = await queuedImport(t, file, flowId);
      const runners = [0, 1].map(() => new EmbeddedJobRunner(t.store.db, parts.jobLeaseMs));
      const ranBy = new Set<number>();
      let bothStarted: () => void = () => {};
      const started = new Promise<void>((resolve) => (bothStarted = resolve));
      runners.forEach((runner, index) => {
        const handlers = jobHandlers({ config: parts, store: t.store, jobs: runner, log: () => {} });
        const runPart = handlers['import-part'];
        runner.work(
          {
            ...handlers,
            'import-part': async (payload, context) => {
              ranBy.add(index);
              if (ranBy.size === runners.length) bothStarted();
              await started;
              await runPart?.(payload, context);
            },
          },
          { concurrency: 2 },
        );
      });
      try {
        await runners[0]?.enqueue('import', { importId }, { key: `import:${importId}` });
        await waitForEnd(t, importId);
      } finally {
        await Promise.all(runners.map((runner) => runner.stop()));
      }
      return { importId };
    }

    const scenarios: [string, Duplicates][] = [
      ['reject', { keys: ['email'], windowDays: 30, action: 'reject' }],
      ['update', { keys: ['email'], windowDays: null, action: 'update', fields: { comments: 'always' } }],
      ['merge-composite', { keys: [['last_name', 'postal_code']], windowDays: null, action: 'merge' }],
    ];
    for (const [name, duplicates] of scenarios) {
      it(`gives every row the same result in ${PARTS} parts on two workers as in one (${name})`, async () => {
        const tag = `t${name.replace(/\W/g, '')}`;
        const [one, split] = await twinFlows(name, duplicates, tag);
        const { file } = writeLeads(dir, tag, 7, ROWS);

        const whole = await queuedImport(t, file, one);
        await executeImport(t.store, t.config, whole);
        const { importId } = await importInParts(split, file);

        const expected = await importResults(t, whole);
        const actual = await importResults(t, importId);
        expect(expected.rowNumbers).toEqual(everyRow(ROWS));
        expect(actual.rowNumbers).toEqual(everyRow(ROWS));
        expect(actual.counts).toEqual(expected.counts);
        expect(actual.rows).toEqual(expected.rows);
        expect(actual.finalLeads).toEqual(expected.finalLeads);
        // The file really exercised duplicates and failures, and really ran in parts.
        expect(expected.counts).toMatchObject({ status: 'completed_with_errors' });
        expect(expected.counts.duplicates).toBeGreaterThan(500);
        const partRows = await findParts(t.store.db, importId);
        expect(partRows.map((part) => part.status)).toEqual(['done', 'done', 'done', 'done']);
        for (const part of partRows) expect(part.total).toBeGreaterThan(ROWS / PARTS / 2);
        expect(partRows.reduce((sum, part) => sum + part.total, 0)).toBe(ROWS);
        expect((await findImport(t.store.db, importId))?.lease_token).toBeNull();
      });
    }

    it('fences a part whose lease another worker took over: its batch rolls back, nothing written', async () => {
      await applyFlow(t.store.db, flowDefinition('fence', { keys: ['email'], windowDays: null, action: 'reject' }));
      const importId = await queuedImport(t, writeLeads(dir, 'tfence', 3, 50).file, 'fence');
      const jobs = recordingJobs();
      await executeImportInParts(t.store, parts, jobs, importId);
      expect(jobs.queued).toHaveLength(PARTS);
      const stale: PartLease = { importId, part: 0, token: 'stale' };
      const fresh: PartLease = { importId, part: 0, token: 'fresh' };
      expect(await claimPartLease(t.store.db, stale, 50)).toBeDefined();
      // A live lease cannot be taken; one that ran out (its worker paused past it) can.
      expect(await claimPartLease(t.store.db, fresh, 60_000)).toBeUndefined();
      await sleep(80);
      expect(await claimPartLease(t.store.db, fresh, 60_000)).toBeDefined();

      const flow = compileFlow(await requireFlow(t.store.db, 'fence'));
      const raw = { first_name: 'Ann', email: 'fenced@example.com', state: 'TX' };
      const submission = evaluatedSubmission(2, raw, flow.evaluate(raw, 'acme-media'), 1);
      const context = { flow, sourceId: 'acme-media', importId };
      const batch = { total: 1, created: 1, updated: 0, unchanged: 0, failed: 0, duplicates: 0, committed_rows: 2 };
      const commit = (lease: PartLease) =>
        storeBatches(t.store, [{ context, submissions: [submission] }], (trx) =>
          savePartProgress(trx, lease, batch, 0.5, 60_000).then(() => undefined),
        );
      await expect(commit(stale)).rejects.toBeInstanceOf(LeaseLost);
      const leadsOf = () => t.store.db.selectFrom('leads').select('id').where('import_id', '=', importId).execute();
      expect(await leadsOf()).toHaveLength(0);
      expect(
        await t.store.db.selectFrom('duplicate_keys').select('key').where('key', 'like', '%fenced%').execute(),
      ).toEqual([]);
      expect((await findImport(t.store.db, importId))?.total).toBe(0);
      expect((await findParts(t.store.db, importId))[0]).toMatchObject({ committed_rows: 0, total: 0 });
      // The worker holding the lease writes.
      await commit(fresh);
      expect(await leadsOf()).toHaveLength(1);
      expect((await findImport(t.store.db, importId))?.total).toBe(1);
    });

    it('stops a worker whose part was taken over mid-way, and a resumed part ends like one worker', async () => {
      const duplicates: Duplicates = {
        keys: ['email'],
        windowDays: null,
        action: 'update',
        fields: { comments: 'always' },
      };
      const [one, split] = await twinFlows('resume', duplicates, 'tresume');
      const { file } = writeLeads(dir, 'tresume', 11, ROWS);
      const whole = await queuedImport(t, file, one);
      await executeImport(t.store, t.config, whole);

      const importId = await queuedImport(t, file, split);
      await executeImportInParts(t.store, parts, recordingJobs(), importId);
      // Part 0's worker is paused past its lease after its first batch: another takes the part over.
      let takenOver: Promise<unknown> | undefined;
      await expect(
        executeImportPart(
          gatedStore(t, () => takenOver),
          parts,
          importId,
          0,
          {
            metrics: {
              importedRows: () => {
                takenOver ??= t.store.db
                  .updateTable('import_parts')
                  .set({ lease_token: 'another-worker' })
                  .where('import_id', '=', importId)
                  .where('part', '=', 0)
                  .execute();
              },
            },
          },
        ),
      ).rejects.toBeInstanceOf(LeaseLost);
      const [fenced] = await findParts(t.store.db, importId);
      const stored = await t.store.db
        .selectFrom('leads')
        .select('row_number')
        .where('import_id', '=', importId)
        .execute();
      const events = await t.store.db
        .selectFrom('events')
        .select('row_number')
        .where('import_id', '=', importId)
        .execute();
      // What the fenced worker wrote is its first batch, committed before the takeover, and nothing after.
      expect(fenced?.total).toBe(t.config.batchSize);
      expect(stored.length + events.length).toBe(fenced?.total);
      for (const entry of [...stored, ...events])
        expect(entry.row_number).toBeLessThanOrEqual(fenced?.committed_rows ?? 0);

      // Part 1's worker shuts down after its second batch: the part is given back and resumes.
      const shutdown = new AbortController();
      let batches = 0;
      await expect(
        executeImportPart(t.store, parts, importId, 1, {
          signal: shutdown.signal,
          metrics: {
            importedRows: () => {
              if (++batches === 2) shutdown.abort('shutdown');
            },
          },
        }),
      ).rejects.toBeInstanceOf(JobReleased);
      const released = (await findParts(t.store.db, importId))[1];
      expect(released).toMatchObject({ status: 'queued', lease_token: null });
      expect(released?.committed_rows).toBeGreaterThan(0);

      // The other worker's lease on part 0 runs out; every part runs (again) to the end.
      await t.store.db
        .updateTable('import_parts')
        .set({ lease_expires_at: new Date(0).toISOString() })
        .where('import_id', '=', importId)
        .execute();
      await Promise.all([0, 1, 2, 3].map((part) => executeImportPart(t.store, parts, importId, part)));

      const expected = await importResults(t, whole);
      const actual = await importResults(t, importId);
      expect(actual.rowNumbers).toEqual(everyRow(ROWS));
      expect(actual.counts).toEqual(expected.counts);
      expect(actual.rows).toEqual(expected.rows);
      expect(actual.finalLeads).toEqual(expected.finalLeads);
    });

    it('stops every part after its current batch when the import is cancelled; the import ends cancelled', async () => {
      await applyFlow(t.store.db, flowDefinition('cancel', { keys: ['email'], windowDays: null, action: 'reject' }));
      const importId = await queuedImport(t, writeLeads(dir, 'tcancel', 5, ROWS).file, 'cancel');
      await executeImportInParts(t.store, parts, recordingJobs(), importId);
      await executeImportPart(t.store, parts, importId, 0);
      let cancelled: Promise<unknown> | undefined;
      await executeImportPart(
        gatedStore(t, () => cancelled),
        parts,
        importId,
        1,
        {
          metrics: {
            importedRows: () => {
              cancelled ??= cancelImport(t.store.db, OPERATOR, importId);
            },
          },
        },
      );
      expect((await findImport(t.store.db, importId))?.status).toBe('processing');
      await Promise.all([2, 3].map((part) => executeImportPart(t.store, parts, importId, part)));

      const partRows = await findParts(t.store.db, importId);
      expect(partRows.map((part) => part.status)).toEqual(['done', 'cancelled', 'cancelled', 'cancelled']);
      // Part 1 stopped after the batch that saw the request (its second); parts 2 and 3 never started.
      expect(partRows[1]?.total).toBe(2 * t.config.batchSize);
      expect(partRows.slice(2).map((part) => part.total)).toEqual([0, 0]);
      const results = await importResults(t, importId);
      expect(results.counts.status).toBe('cancelled');
      expect(results.counts.total).toBe((partRows[0]?.total ?? 0) + (partRows[1]?.total ?? 0));
      expect(results.rowNumbers).toHaveLength(results.counts.total);
      expect(new Set(results.rowNumbers).size).toBe(results.counts.total);
    });

    it('fails the whole import when its file turns out unreadable: every part stops, nothing is kept', async () => {
      await applyFlow(t.store.db, flowDefinition('broken', { keys: ['email'], windowDays: null, action: 'reject' }));
      const { file } = writeLeads(dir, 'tbroken', 9, ROWS);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.splice(2500, 0, 'Ann,"Lee,never closed,512-555-0100,TX,78701,tile,x');
      fs.writeFileSync(file, lines.join('\n'));
      const { importId } = await importInParts('broken', file);
      const row = await findImport(t.store.db, importId);
      expect(row?.status).toBe('failed');
      expect(row?.error).toMatch(/quote/i);
      expect(await t.store.db.selectFrom('leads').select('id').where('import_id', '=', importId).execute()).toEqual([]);
      expect(await t.store.db.selectFrom('events').select('id').where('import_id', '=', importId).execute()).toEqual(
        [],
      );
      expect((await findParts(t.store.db, importId)).map((part) => part.status)).toEqual([
        'stopped',
        'stopped',
        'stopped',
        'stopped',
      ]);
    });

    it('lets no stale worker fail the import: its error after a takeover is a lost lease, and the import goes on', async () => {
      await applyFlow(t.store.db, flowDefinition('stale', { keys: ['email'], windowDays: null, action: 'reject' }));
      const importId = await queuedImport(t, writeLeads(dir, 'tstale', 17, 1000).file, 'stale');
      await executeImportInParts(t.store, parts, recordingJobs(), importId);
      // Part 0's worker is paused past its lease after its first batch; once resumed, its next write fails
      // for a reason of its own (its session ended meanwhile, a full disk).
      let takenOver: Promise<unknown> | undefined;
      const failing: Store = {
        ...t.store,
        transaction: async (work) => {
          if (!takenOver) return t.store.transaction(work);
          await takenOver;
          throw new Error('the disk is full');
        },
      };
      await expect(
        executeImportPart(failing, parts, importId, 0, {
          metrics: {
            importedRows: () => {
              takenOver ??= t.store.db
                .updateTable('import_parts')
                .set({ lease_token: 'another-worker', lease_expires_at: new Date(0).toISOString() })
                .where('import_id', '=', importId)
                .where('part', '=', 0)
                .execute();
            },
          },
        }),
      ).rejects.toBeInstanceOf(LeaseLost);
      expect((await findImport(t.store.db, importId))?.status).toBe('processing');
      await Promise.all([0, 1, 2, 3].map((part) => executeImportPart(t.store, parts, importId, part)));
      const results = await importResults(t, importId);
      expect(results.counts.status).toBe('completed_with_errors');
      expect(results.rowNumbers).toEqual(everyRow(1000));
    });

    it('runs an import as one part when a row may have several keys (alternative keys)', async () => {
      await applyFlow(
        t.store.db,
        flowDefinition('either-key', { keys: ['email', 'phone_1'], windowDays: null, action: 'reject' }),
      );
      const importId = await queuedImport(t, writeLeads(dir, 'teither', 13, 300).file, 'either-key');
      const jobs = recordingJobs();
      await executeImportInParts(t.store, parts, jobs, importId);
      expect(jobs.queued).toEqual([]);
      expect(await findParts(t.store.db, importId)).toEqual([]);
      expect((await findImport(t.store.db, importId))?.status).toBe('completed_with_errors');
    });

    it('stores one lead per key when parted imports and real-time submissions of the same keys run at once', async () => {
      await applyFlow(t.store.db, flowDefinition('shared', { keys: ['email'], windowDays: null, action: 'reject' }));
      const first = writeLeads(dir, 'tshared', 21, 1500, 400);
      const second = writeLeads(dir, 'tshared', 22, 1500, 400);
      const queue = new SubmissionQueue(t.store);
      const flow = compileFlow(await requireFlow(t.store.db, 'shared'));
      const context = { flow, sourceId: 'acme-media', importId: null };
      const realtime = Array.from({ length: 400 }, (_, k) => spelled(k, 'tshared', k / 400));
      const submitting = (async () => {
        for (const email of realtime) {
          const raw = { first_name: 'Live', email, state: 'CA' };
          await queue.submit(context, evaluatedSubmission(null, raw, flow.evaluate(raw, 'acme-media'), 1));
        }
      })();
      const [a, b] = await Promise.all([importInParts('shared', first.file), importInParts('shared', second.file)]);
      await submitting;

      const leads = await t.store.db.selectFrom('leads').select('fields').where('flow_id', '=', 'shared').execute();
      const emails = leads.map((lead) => (JSON.parse(lead.fields) as { email: string }).email);
      const keys = new Set([
        ...first.accepted,
        ...second.accepted,
        ...realtime.map((email) => email.trim().toLowerCase()),
      ]);
      expect(emails.length).toBe(new Set(emails).size);
      expect(new Set(emails)).toEqual(keys);
      for (const { importId } of [a, b]) {
        const results = await importResults(t, importId);
        expect(results.rowNumbers).toEqual(Array.from({ length: 1500 }, (_, index) => index + 2));
      }
    });
  });
}
