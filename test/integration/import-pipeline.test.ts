import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { writeFailedRecords } from '../../src/imports/failed-records.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { saveTemplate } from '../../src/templates/template.service.js';
import { findImport, finishImport } from '../../src/imports/import.repository.js';
import { runImport } from '../../src/imports/import.service.js';
import { exportLeadsJsonLines } from '../../src/leads/lead-export.js';
import { listLeads } from '../../src/leads/lead-query.service.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const ADMIN = { kind: 'admin', userId: null, keyId: null } as const;
const example = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const exampleCsv = fileURLToPathSafe(new URL('../../examples/solar-leads.csv', import.meta.url));

function fileURLToPathSafe(url: URL): string {
  return decodeURIComponent(url.pathname);
}

function writeCsv(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function exportedLeads(t: TestStore, flowId = 'solar') {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await exportLeadsJsonLines(t.store.db, { flowId }, out);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; fields: Record<string, unknown> });
}

async function failedCsv(t: TestStore, importId: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeFailedRecords(t.store.db, importId, out);
  return Buffer.concat(chunks).toString('utf8');
}

const HEADER = 'First Name,Email,Phone,State';

for (const dialect of DIALECTS) {
  describe(`import pipeline on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeEach(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
    });
    afterEach(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const flowWith = (duplicates: FlowDefinition['duplicates']) => applyFlow(t.store.db, { ...example, duplicates });
    const importFile = (file: string, extra: { dryRun?: boolean; sourceId?: string; flowId?: string } = {}) =>
      runImport(t.store, t.config, {
        file,
        flowId: extra.flowId ?? 'solar',
        sourceId: extra.sourceId ?? 'acme-media',
        dryRun: extra.dryRun ?? false,
      });

    it('applies a flow once: the same file again changes nothing, a changed one updates it', async () => {
      expect((await applyFlow(t.store.db, example)).result).toBe('created');
      expect((await applyFlow(t.store.db, example)).result).toBe('unchanged');
      expect((await applyFlow(t.store.db, { ...example, name: 'Solar 2' })).result).toBe('updated');
      const fields = await t.store.db
        .selectFrom('fields')
        .select(['name', 'type', 'required'])
        .where('flow_id', '=', 'solar')
        .orderBy('position')
        .execute();
      expect(fields.map((f) => f.name)).toEqual([
        'first_name',
        'last_name',
        'email',
        'phone_1',
        'state',
        'postal_code',
        'roof_type',
      ]);
      const links = await t.store.db.selectFrom('flow_sources').selectAll().execute();
      expect(links).toEqual([{ flow_id: 'solar', source_id: 'acme-media' }]);
    });

    it('imports the example file: every row gets an outcome, a reason and a lead id', async () => {
      await applyFlow(t.store.db, example);
      const summary = await importFile(exampleCsv);
      expect(summary).toMatchObject({
        status: 'completed_with_errors',
        total: 9,
        created: 4,
        updated: 0,
        failed: 5,
        duplicates: 1,
      });
      const view = await listLeads(t.store.db, ADMIN, { limit: 50 });
      const submissions = view.items
        .filter((item) => item.importId === summary.importId)
        .sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
      expect(submissions.map((item) => [item.rowNumber, item.outcome, item.action, item.reason])).toEqual([
        [2, 'success', 'created', null],
        [3, 'success', 'created', null],
        [4, 'failure', 'rejected', 'email is invalid: not a valid email address'],
        [5, 'failure', 'rejected', 'first_name is required'],
        [6, 'failure', 'rejected', 'state must be one of TX, CA, AZ'],
        [7, 'failure', 'duplicate', 'duplicate'],
        [8, 'failure', 'rejected', 'email is required'],
        [9, 'success', 'created', null],
        [10, 'success', 'created', null],
      ]);
      expect(submissions.every((item) => item.id.length === 36)).toBe(true);
      // A created lead stands for its row's event: only the other rows wrote one.
      const events = await t.store.db
        .selectFrom('events')
        .select('row_number')
        .where('import_id', '=', summary.importId)
        .orderBy('row_number')
        .execute();
      expect(events.map((e) => e.row_number)).toEqual([4, 5, 6, 7, 8]);
      const row = await findImport(t.store.db, summary.importId);
      expect(row).toMatchObject({
        status: 'completed_with_errors',
        total: 9,
        created: 4,
        failed: 5,
        duplicates: 1,
        committed_rows: 10,
        file_name: 'solar-leads.csv',
      });
      expect(row?.file_sha256).toMatch(/^[0-9a-f]{64}$/);
      const leads = await exportedLeads(t);
      expect(leads.map((l) => l.fields.email)).toEqual([
        'maria.garcia@example.com',
        'james.smith@example.com',
        'pat.obrien@example.com',
        'sofia.rossi@example.com',
      ]);
      expect(leads[0]?.fields).toMatchObject({ phone_1: '+15125550143', state: 'TX', postal_code: '78701' });
    });

    it('a second import of the same file finds every accepted lead a duplicate of the first', async () => {
      await applyFlow(t.store.db, example);
      await importFile(exampleCsv);
      const again = await importFile(exampleCsv);
      expect(again).toMatchObject({ total: 9, created: 0, failed: 9, duplicates: 5 });
      expect(await exportedLeads(t)).toHaveLength(4);
    });

    it('a dry run reports the same counts and stores nothing', async () => {
      await applyFlow(t.store.db, example);
      const dry = await importFile(exampleCsv, { dryRun: true });
      expect(dry).toMatchObject({ status: 'completed_with_errors', total: 9, created: 4, failed: 5, duplicates: 1 });
      expect(await t.store.db.selectFrom('leads').select('id').execute()).toEqual([]);
      expect(await t.store.db.selectFrom('events').select('id').execute()).toEqual([]);
      // The dry run is kept as a draft import with its report (imports rows <id>), never started.
      expect(await t.store.db.selectFrom('imports').select(['id', 'status']).execute()).toEqual([
        { id: dry.importId, status: 'uploaded' },
      ]);
      const report = await t.store.db.selectFrom('import_report_rows').select('row_number').execute();
      expect(report).toHaveLength(5);
      expect(await t.store.db.selectFrom('duplicate_keys').select('key').execute()).toEqual([]);
    });

    it('a dry run finds in-file duplicates across batches exactly as the import does', async () => {
      await flowWith({ keys: ['email'], action: 'reject' });
      const rows = [HEADER];
      for (let i = 0; i < 9; i++) rows.push(`P${i},p${i % 4}@x.com,,TX`);
      const file = writeCsv(dir, 'dups.csv', rows);
      const config = { ...t.config, batchSize: 2 };
      const dry = await runImport(t.store, config, { file, flowId: 'solar', sourceId: 'acme-media', dryRun: true });
      expect(dry).toMatchObject({ total: 9, created: 4, failed: 5, duplicates: 5 });
      expect(await t.store.db.selectFrom('leads').select('id').execute()).toEqual([]);
      const real = await runImport(t.store, config, { file, flowId: 'solar', sourceId: 'acme-media' });
      expect(real).toMatchObject({ total: 9, created: 4, failed: 5, duplicates: 5 });
    });

    it('update overwrites stored leads with new non-empty values, within the file and across imports', async () => {
      await flowWith({ keys: ['email'], action: 'update' });
      const first = writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,512-555-0101,TX', 'Anne,ANN@x.com,,CA']);
      expect(await importFile(first)).toMatchObject({
        created: 1,
        updated: 1,
        duplicates: 1,
        failed: 0,
        status: 'completed',
      });
      expect((await exportedLeads(t))[0]?.fields).toMatchObject({
        first_name: 'Anne',
        phone_1: '+15125550101',
        state: 'CA',
      });
      const second = writeCsv(dir, 'b.csv', [HEADER, 'Annie,ann@x.com,512-555-0199,AZ']);
      expect(await importFile(second)).toMatchObject({ created: 0, updated: 1, duplicates: 1 });
      const leads = await exportedLeads(t);
      expect(leads).toHaveLength(1);
      expect(leads[0]?.fields).toMatchObject({ first_name: 'Annie', phone_1: '+15125550199', state: 'AZ' });
    });

    it('merge fills only the empty fields of the stored lead', async () => {
      await flowWith({ keys: ['email'], action: 'merge' });
      await importFile(writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,,TX']));
      expect(await importFile(writeCsv(dir, 'b.csv', [HEADER, 'Zed,ann@x.com,512-555-0101,CA']))).toMatchObject({
        updated: 1,
        duplicates: 1,
      });
      expect((await exportedLeads(t))[0]?.fields).toMatchObject({
        first_name: 'Ann',
        phone_1: '+15125550101',
        state: 'TX',
      });
    });

    it('updates several stored leads of one batch in one statement, each with its own fields', async () => {
      await flowWith({ keys: ['email'], action: 'update' });
      await importFile(writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,,TX', 'Bob,bob@x.com,,TX', 'Cy,cy@x.com,,TX']));
      const second = writeCsv(dir, 'b.csv', [
        HEADER,
        'Annie,ann@x.com,512-555-0101,CA',
        'Cyrus,cy@x.com,,AZ',
        'Ann B,ann@x.com,,CA',
      ]);
      expect(await importFile(second)).toMatchObject({ created: 0, updated: 3, duplicates: 3 });
      const byEmail = new Map((await exportedLeads(t)).map((lead) => [lead.fields.email, lead.fields]));
      expect(byEmail.get('ann@x.com')).toMatchObject({ first_name: 'Ann B', phone_1: '+15125550101', state: 'CA' });
      expect(byEmail.get('bob@x.com')).toMatchObject({ first_name: 'Bob', state: 'TX' });
      expect(byEmail.get('cy@x.com')).toMatchObject({ first_name: 'Cyrus', state: 'AZ' });
    });

    it('a lead older than the look-back window is not a duplicate', async () => {
      await flowWith({ keys: ['email'], windowDays: 30, action: 'reject' });
      await importFile(writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,,TX']));
      const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
      await t.store.db.updateTable('duplicate_keys').set({ created_at: old }).execute();
      expect(
        await importFile(writeCsv(dir, 'b.csv', [HEADER, 'Ann,ann@x.com,,TX', 'Ann,ann@x.com,,TX'])),
      ).toMatchObject({ created: 1, failed: 1, duplicates: 1 });
      expect(await exportedLeads(t)).toHaveLength(2);
    });

    it('composite and multiple keys: any key matching makes a duplicate', async () => {
      await flowWith({ keys: ['email', ['first_name', 'phone_1']], action: 'reject' });
      const file = writeCsv(dir, 'a.csv', [
        HEADER,
        'Ann,ann@x.com,512-555-0101,TX',
        'Ann,other@x.com,(512) 555-0101,TX',
        'Bob,bob@x.com,512-555-0101,TX',
      ]);
      expect(await importFile(file)).toMatchObject({ created: 2, failed: 1, duplicates: 1 });
    });

    it('account scope finds duplicates across flows', async () => {
      await flowWith({ keys: ['email'], action: 'reject', scope: 'account' });
      await applyFlow(t.store.db, {
        ...example,
        id: 'roofing',
        duplicates: { keys: ['email'], action: 'reject', scope: 'account' },
      });
      await importFile(writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,,TX']));
      expect(
        await importFile(writeCsv(dir, 'b.csv', [HEADER, 'Ann,ann@x.com,,TX']), { flowId: 'roofing' }),
      ).toMatchObject({ created: 0, duplicates: 1 });
    });

    it('re-imports a corrected failed-records file with the template of the original, leaving the added columns unmapped', async () => {
      await applyFlow(t.store.db, example);
      const original = writeCsv(dir, 'vendor.csv', [
        'Given,Mail,Tel,Region',
        'Ann,ann@x.com,512-555-0101,TX',
        'Bob,bob@x.com,512-555-0102,NY',
      ]);
      const opened = await openTabularFile(original, { maxBytes: 1024 * 1024 });
      opened.close();
      await saveTemplate(
        t.store.db,
        'solar',
        'Vendor',
        ['first_name', 'email', 'phone_1', 'state'].map((field, index) => ({
          index,
          header: opened.headers[index] ?? '',
          field,
          confidence: 1,
        })),
      );
      const first = await importFile(original);
      expect(first).toMatchObject({ created: 1, failed: 1 });
      const corrected = path.join(dir, 'corrected.csv');
      fs.writeFileSync(corrected, (await failedCsv(t, first.importId)).replace(',NY,', ',TX,'));
      const again = await runImport(t.store, t.config, { file: corrected, flowId: 'solar', sourceId: 'acme-media' });
      expect(again).toMatchObject({ status: 'completed', created: 1, failed: 0 });
      const bob = (await exportedLeads(t)).find((lead) => lead.fields.email === 'bob@x.com');
      expect(bob?.fields).toEqual({ first_name: 'Bob', email: 'bob@x.com', phone_1: '+15125550102', state: 'TX' });
    });

    it('updates duplicates field by field as the flow says: always, if_new_non_empty, if_empty', async () => {
      await applyFlow(t.store.db, {
        ...example,
        duplicates: { keys: ['email'], action: 'update', fields: { phone_1: 'if_empty', last_name: 'always' } },
      });
      const header = 'First Name,Last Name,Email,Phone,State';
      await importFile(writeCsv(dir, 'first.csv', [header, 'Ann,Lee,ann@x.com,512-555-0101,TX']));
      const second = await importFile(writeCsv(dir, 'second.csv', [header, 'Anne,,ann@x.com,512-555-0199,CA']));
      expect(second).toMatchObject({ created: 0, updated: 1, duplicates: 1 });
      const [lead] = await exportedLeads(t);
      expect(lead?.fields).toEqual({ first_name: 'Anne', email: 'ann@x.com', phone_1: '+15125550101', state: 'CA' });
    });

    it("says in the failed records which key a duplicate matched, and which earlier import's row", async () => {
      await flowWith({ keys: ['email', ['first_name', 'phone_1']], action: 'reject' });
      const first = await importFile(writeCsv(dir, 'first.csv', [HEADER, 'Ann,ann@x.com,512-555-0101,TX']));
      const lead = (await exportedLeads(t))[0];
      const second = await importFile(writeCsv(dir, 'second.csv', [HEADER, 'Ann,other@x.com,512-555-0101,TX']));
      const lines = (await failedCsv(t, second.importId)).split('\r\n');
      expect(lines[1]).toBe(
        `Ann,other@x.com,512-555-0101,TX,2,duplicate,first_name+phone_1 matches lead ${lead?.id} (row 2 of import ${first.importId})`,
      );
    });

    it('ragged rows are per-row errors and appear in the failed-records file with formula cells neutralised', async () => {
      await applyFlow(t.store.db, example);
      const file = writeCsv(dir, 'ragged.csv', [
        HEADER,
        'Ann,ann@x.com,512-555-0101,TX',
        'Bob,bob@x.com',
        'Cy,cy@x.com,512-555-0102,TX,extra',
        '=HYPERLINK("http://evil"),dee@x.com,+1 512 555 0103,NY',
      ]);
      const summary = await importFile(file);
      expect(summary).toMatchObject({ total: 4, created: 1, failed: 3 });
      const csv = await failedCsv(t, summary.importId);
      expect(csv).toBe(
        [
          '\uFEFFFirst Name,Email,Phone,State,row,error,duplicate_of',
          // A short row is padded with empty cells (issue 10), so Bob fails on his blank state instead.
          'Bob,bob@x.com,,,3,"state must be one of TX, CA, AZ",',
          'Cy,cy@x.com,512-555-0102,TX,4,row 4 has 5 fields but the header has 4,,extra',
          `"'=HYPERLINK(""http://evil"")",dee@x.com,+1 512 555 0103,NY,5,"state must be one of TX, CA, AZ",`,
          '',
        ].join('\r\n'),
      );
      const stored = await t.store.db
        .selectFrom('events')
        .select('raw_row')
        .where('row_number', '=', 5)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(stored.raw_row ?? '[]')[0]).toBe('=HYPERLINK("http://evil")');
    });

    it('an unclosed quote fails the import, undoes its writes and leaves earlier data as it was', async () => {
      await flowWith({ keys: ['email'], action: 'update' });
      await importFile(writeCsv(dir, 'a.csv', [HEADER, 'Ann,ann@x.com,512-555-0101,TX']));
      const before = await exportedLeads(t);
      const lines = [HEADER, 'Annie,ann@x.com,512-555-0199,CA', 'New,new@x.com,,TX'];
      for (let i = 0; i < 3000; i++) lines.push(`P${i},p${i}@x.com,,TX`);
      lines.push('Bad,"bad@x.com,,TX', 'After,after@x.com,,TX');
      const broken = writeCsv(dir, 'broken.csv', lines);
      await expect(importFile(broken)).rejects.toThrow(
        /broken\.csv, line 3004, column 2: a quoted field is never closed/,
      );
      expect(await exportedLeads(t)).toEqual(before);
      const failed = await t.store.db
        .selectFrom('imports')
        .selectAll()
        .where('file_name', '=', 'broken.csv')
        .executeTakeFirstOrThrow();
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/unclosed quote/);
      expect(await t.store.db.selectFrom('events').select('id').where('import_id', '=', failed.id).execute()).toEqual(
        [],
      );
      expect(await t.store.db.selectFrom('duplicate_keys').select('key').execute()).toHaveLength(1);
    });

    it('finishes an import only from a state that allows it', async () => {
      await applyFlow(t.store.db, example);
      const summary = await importFile(exampleCsv);
      await expect(
        finishImport(t.store.db, summary.importId, 'failed', { finishedAt: new Date().toISOString(), durationMs: 1 }),
      ).rejects.toThrow(`import ${summary.importId} is completed_with_errors and cannot become failed`);
      expect((await findImport(t.store.db, summary.importId))?.status).toBe('completed_with_errors');
    });

    it('refuses unknown flows and sources, missing files and unmapped required fields before storing anything', async () => {
      await applyFlow(t.store.db, example);
      await expect(importFile(exampleCsv, { flowId: 'nope' })).rejects.toThrow('unknown flow "nope"');
      await expect(importFile(exampleCsv, { sourceId: 'nope' })).rejects.toThrow(
        'source "nope" is not attached to flow "solar" (its sources: acme-media)',
      );
      await expect(importFile(path.join(dir, 'missing.csv'))).rejects.toThrow('missing.csv: no such file');
      const noEmail = writeCsv(dir, 'no-email.csv', ['First Name,Phone', 'Ann,512-555-0101']);
      await expect(importFile(noEmail)).rejects.toThrow(
        'no-email.csv: required field email is not mapped to any column (columns: First Name, Phone)',
      );
      expect(await t.store.db.selectFrom('imports').select('id').execute()).toEqual([]);
    });
  });
}
