import fs from 'node:fs';
import { Migrator, type Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFlow } from '../../src/core/pipeline.js';
import { migrate } from '../../src/db/database.js';
import * as initial from '../../src/db/migrations/0001-initial.js';
import * as templates from '../../src/db/migrations/0002-templates.js';
import * as access from '../../src/db/migrations/0003-access.js';
import { eventReport } from '../../src/events/event.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow, requireFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { getLead, listLeads } from '../../src/leads/lead-query.service.js';
import { evaluatedSubmission, storeBatch } from '../../src/leads/lead.service.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const ADMIN = { kind: 'admin', userId: null, keyId: null } as const;
const example = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const exampleCsv = decodeURIComponent(new URL('../../examples/solar-leads.csv', import.meta.url).pathname);

// An import row that creates a lead is stored as the lead alone (migration 0004): the leads view, the report
// and a lead's history must still show it as the row's creation event, next to real-time events.
for (const dialect of DIALECTS) {
  describe(`submissions view on ${dialect}`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, example);
    });
    afterEach(() => t.destroy());

    const submitRealTime = async (email: string, state: string) => {
      const flow = compileFlow(await requireFlow(t.store.db, 'solar'));
      const raw = { first_name: 'Rita', email, state };
      const plan = await storeBatch(t.store, { flow, sourceId: 'acme-media', importId: null }, [
        evaluatedSubmission(null, raw, flow.evaluate(raw, 'acme-media'), 7),
      ]);
      return plan.results[0];
    };

    it('pages through import rows and real-time events newest first, each once', async () => {
      await submitRealTime('early@example.com', 'TX');
      const summary = await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media' });
      await submitRealTime('late@example.com', 'NY');
      const seen: string[] = [];
      let before: string | undefined;
      const pages: string[][] = [];
      do {
        const page = await listLeads(t.store.db, ADMIN, { limit: 2, ...(before ? { before } : {}) });
        pages.push(page.items.map((item) => item.submittedAt));
        seen.push(
          ...page.items.map((item) => `${item.importId ? `row ${item.rowNumber}` : 'real-time'} ${item.outcome}`),
        );
        before = page.next ?? undefined;
      } while (before);
      expect(seen).toHaveLength(11);
      expect(seen[0]).toBe('real-time failure');
      expect(seen[10]).toBe('real-time success');
      expect(seen.filter((entry) => entry.endsWith('success'))).toHaveLength(5);
      const times = pages.flat();
      expect([...times].sort().reverse()).toEqual(times);
      const created = await listLeads(t.store.db, ADMIN, { limit: 50, outcome: 'success', q: 'PAT.OBRIEN' });
      expect(created.items.map((item) => [item.importId, item.rowNumber, item.action, item.fields?.email])).toEqual([
        [summary.importId, 9, 'created', 'pat.obrien@example.com'],
      ]);
      expect(
        (await listLeads(t.store.db, ADMIN, { limit: 50, outcome: 'failure' })).items.every(
          (item) => item.outcome === 'failure',
        ),
      ).toBe(true);
    });

    it('counts created import rows in the report and shows them as the lead’s creation event', async () => {
      await submitRealTime('rt@example.com', 'TX');
      const summary = await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media' });
      const report = await eventReport(t.store.db, ADMIN, { flowId: 'solar' });
      expect(report.totals).toEqual({ success: 5, failure: 5, error: 0 });
      expect(report.rows).toContainEqual({
        flowId: 'solar',
        sourceId: 'acme-media',
        outcome: 'success',
        reason: null,
        count: 5,
      });
      expect(
        (await eventReport(t.store.db, ADMIN, { from: new Date(Date.now() + 60_000).toISOString() })).totals,
      ).toEqual({ success: 0, failure: 0, error: 0 });

      const row = (await listLeads(t.store.db, ADMIN, { limit: 50, q: 'sofia' })).items[0];
      const lead = await getLead(t.store.db, ADMIN, row?.id ?? '');
      expect(lead).toMatchObject({ stored: true, importId: summary.importId, rowNumber: 10 });
      expect(lead.events).toEqual([
        {
          outcome: 'success',
          action: 'created',
          reason: null,
          importId: summary.importId,
          rowNumber: 10,
          durationUs: expect.any(Number),
          createdAt: lead.createdAt,
        },
      ]);
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`migration 0004 on ${dialect}`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await createTestStore(dialect, {}, { migrate: false });
    });
    afterEach(() => t.destroy());

    it('turns stored import creation events into their leads and keeps every other event', async () => {
      const before: Record<string, Migration> = {
        '0001-initial': initial,
        '0002-templates': templates,
        '0003-access': access,
      };
      const migrated = await new Migrator({
        db: t.store.db,
        provider: { getMigrations: async () => before },
      }).migrateToLatest();
      expect(migrated.error).toBeUndefined();
      const now = new Date().toISOString();
      const lead = {
        flow_id: 'solar',
        source_id: 'acme-media',
        fields: '{}',
        raw: '{}',
        created_at: now,
        updated_at: now,
      };
      const event = {
        flow_id: 'solar',
        source_id: 'acme-media',
        outcome: 'success',
        reason: null,
        duplicate: 0,
        raw_row: null,
        previous: null,
        created_at: now,
      };
      // (Kysely's types describe the latest schema; these rows are written as 0003 left it.)
      await t.store.db
        .insertInto('leads')
        .values([
          { ...lead, id: 'imported', import_id: 'imp', row_number: 2 },
          { ...lead, id: 'real-time', import_id: null, row_number: null },
        ] as never)
        .execute();
      await t.store.db
        .insertInto('events')
        .values([
          {
            ...event,
            id: 'e1',
            import_id: 'imp',
            row_number: 2,
            action: 'created',
            lead_id: 'imported',
            duration_us: 42,
          },
          {
            ...event,
            id: 'e2',
            import_id: 'imp',
            row_number: 3,
            outcome: 'failure',
            action: 'rejected',
            reason: 'email is required',
            lead_id: 'gone',
            duration_us: 5,
          },
          {
            ...event,
            id: 'e3',
            import_id: null,
            row_number: null,
            action: 'created',
            lead_id: 'real-time',
            duration_us: 9,
          },
        ])
        .execute();

      expect(await migrate(t.store.db)).toEqual([
        '0004-lead-creation-events',
        '0005-submitted-fields',
        '0006-duplicate-of',
        '0007-notifications',
        '0008-import-jobs',
        '0009-web-sessions',
        '0010-import-routing',
        '0011-import-parts',
      ]);
      expect(await t.store.db.selectFrom('events').select('id').orderBy('id').execute()).toEqual([
        { id: 'e2' },
        { id: 'e3' },
      ]);
      expect(await t.store.db.selectFrom('leads').select(['id', 'duration_us']).orderBy('id').execute()).toEqual([
        { id: 'imported', duration_us: 42 },
        { id: 'real-time', duration_us: null },
      ]);
    });
  });
}
