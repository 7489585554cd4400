import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow, requireFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { previewFile } from '../../src/imports/preview.service.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { planMapping } from '../../src/imports/column-mapping.js';
import { saveTemplate } from '../../src/templates/template.service.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/files');

const flow: FlowDefinition = {
  id: 'leads',
  name: 'Leads',
  fields: [
    { name: 'first_name' },
    { name: 'email', required: true },
    { name: 'phone_1' },
    { name: 'postal_code' },
    { name: 'dob' },
    { name: 'constructor' },
    { name: 'notes' },
  ],
  duplicates: { keys: ['email'], action: 'reject' },
  sources: [{ id: 'vendor' }],
};

for (const dialect of DIALECTS) {
  describe(`ingestion on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeEach(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
      await applyFlow(t.store.db, flow);
    });
    afterEach(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const leads = async () => {
      const rows = await t.store.db
        .selectFrom('leads')
        .select(['fields', 'row_number'])
        .orderBy('row_number')
        .execute();
      return rows.map((row) => JSON.parse(row.fields) as Record<string, unknown>);
    };

    it('imports a chosen XLSX sheet with its typed cells normalised', async () => {
      const summary = await runImport(t.store, t.config, {
        file: path.join(fixtures, 'multi-sheet.xlsx'),
        flowId: 'leads',
        sourceId: 'vendor',
        read: { sheet: 'Leads' },
      });
      expect(summary).toMatchObject({ status: 'completed', total: 3, created: 3 });
      expect(await leads()).toEqual([
        { first_name: 'Ann', email: 'ann@example.com', phone_1: '+15125550101', postal_code: '02134' },
        { first_name: 'Bob', email: 'bob@example.com', phone_1: '+15125550102', postal_code: '78701' },
        { first_name: 'Cy', email: 'cy@example.com', phone_1: '+15125550103', postal_code: '02134' },
      ]);
      const row = await t.store.db.selectFrom('imports').select(['format', 'options']).executeTakeFirstOrThrow();
      expect(row.format).toBe('xlsx');
      expect(JSON.parse(row.options)).toMatchObject({ sheet: 'Leads' });
    });

    it('imports a legacy XLS sheet', async () => {
      const summary = await runImport(t.store, t.config, {
        file: path.join(fixtures, 'legacy.xls'),
        flowId: 'leads',
        sourceId: 'vendor',
        read: { sheet: 'Leads' },
      });
      expect(summary).toMatchObject({ total: 2, created: 2 });
      expect((await leads())[0]).toEqual({
        first_name: 'Ann',
        email: 'ann@example.com',
        phone_1: '+15125550101',
        postal_code: '02134',
        dob: '1985-03-14',
      });
    });

    it('repairs Excel damage and flags what cannot be repaired', async () => {
      const summary = await runImport(t.store, t.config, {
        file: path.join(fixtures, 'excel-damage.csv'),
        flowId: 'leads',
        sourceId: 'vendor',
      });
      expect(summary).toMatchObject({ total: 2, created: 2 });
      const [ann, bob] = await leads();
      expect(ann).toEqual({
        email: 'ann@example.com',
        first_name: 'Ann',
        postal_code: '02134',
        phone_1: '1.2025550143E+09',
        dob: '2024-01-15',
      });
      expect(bob).toMatchObject({ postal_code: '02139', phone_1: '+12025550143', dob: '1990-01-15' });
    });

    it('reads day-first dates when the column proves it', async () => {
      const file = path.join(dir, 'eu.csv');
      fs.writeFileSync(file, 'Email,DOB\na@x.com,03/04/1985\nb@x.com,25/12/1990\n');
      await runImport(t.store, t.config, { file, flowId: 'leads', sourceId: 'vendor' });
      expect((await leads()).map((lead) => lead.dob)).toEqual(['1985-04-03', '1990-12-25']);
    });

    it('treats __proto__ and constructor headers as ordinary columns', async () => {
      const file = path.join(dir, 'proto.csv');
      fs.writeFileSync(file, 'Email,__proto__,constructor\na@x.com,polluted,built\n');
      const summary = await runImport(t.store, t.config, {
        file,
        flowId: 'leads',
        sourceId: 'vendor',
        mapping: { __proto__: null },
      });
      expect(summary.created).toBe(1);
      expect(await leads()).toEqual([{ email: 'a@x.com', constructor: 'built' }]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('email');
    });

    it('rejects a row with an oversized cell and imports the rest', async () => {
      const file = path.join(dir, 'long.csv');
      fs.writeFileSync(file, `Email,Notes\na@x.com,${'x'.repeat(40_000)}\nb@x.com,short\n`);
      const summary = await runImport(t.store, t.config, { file, flowId: 'leads', sourceId: 'vendor' });
      expect(summary).toMatchObject({ total: 2, created: 1, failed: 1 });
      const event = await t.store.db
        .selectFrom('events')
        .select(['outcome', 'reason'])
        .where('row_number', '=', 2)
        .executeTakeFirstOrThrow();
      expect(event).toEqual({
        outcome: 'error',
        reason: 'column Notes: the value is 40000 characters long; the limit is 32767',
      });
    });

    it('previews detection, mapping with confidence, sample checks and the first rows', async () => {
      const preview = await previewFile(t.store.db, t.config, {
        file: path.join(fixtures, 'excel-damage.csv'),
        flowId: 'leads',
      });
      expect(preview).toMatchObject({
        format: 'csv',
        encoding: 'utf-8',
        delimiter: ',',
        hasHeader: true,
        sheets: [],
        problems: [],
        template: null,
      });
      expect(preview.columns.map((c) => [c.header, c.field])).toEqual([
        ['Email', 'email'],
        ['First Name', 'first_name'],
        ['Zip', 'postal_code'],
        ['Phone', 'phone_1'],
        ['DOB', 'dob'],
      ]);
      expect(preview.columns[3]?.sample).toMatchObject({
        checked: 2,
        invalid: 1,
        examples: [{ value: '1.2025550143E+09' }],
      });
      expect(preview.columns[2]?.sample).toMatchObject({ checked: 2, invalid: 0, repaired: 1 });
      expect(preview.sampleRows[1]).toEqual(['bob@example.com', 'Bob', '02139', '(202) 555-0143', '1/15/1990']);
    });

    it('reports mapping problems in the preview and refuses them on import', async () => {
      const file = path.join(dir, 'twice.csv');
      fs.writeFileSync(file, 'Email,Mail\na@x.com,b@x.com\n');
      const preview = await previewFile(t.store.db, t.config, { file, flowId: 'leads', mapping: { Mail: 'email' } });
      expect(preview.problems).toEqual(['columns "Email" and "Mail" are both mapped to email']);
      await expect(
        runImport(t.store, t.config, { file, flowId: 'leads', sourceId: 'vendor', mapping: { Mail: 'email' } }),
      ).rejects.toThrow('twice.csv: columns "Email" and "Mail" are both mapped to email');
      await expect(
        runImport(t.store, t.config, { file, flowId: 'leads', sourceId: 'vendor', mapping: { Nope: 'email' } }),
      ).rejects.toThrow('twice.csv has no column "Nope"');
      await expect(
        runImport(t.store, t.config, { file, flowId: 'leads', sourceId: 'vendor', mapping: { Mail: 'fax' } }),
      ).rejects.toThrow('column "Mail" is mapped to "fax", which is not a field of flow "leads"');
    });

    it('saves templates, suggests one by header fingerprint and applies one by name', async () => {
      const file = path.join(dir, 'vendor.csv');
      fs.writeFileSync(file, 'Contact,Remarks,Misc\na@x.com,hello,zzz\n');
      const tabular = await openTabularFile(file, { maxBytes: 1e6 });
      const plan = await planMapping(t.store.db, tabular, await requireFlow(t.store.db, 'leads'), {
        overrides: { Contact: 'email', Remarks: 'notes' },
      });
      tabular.close();
      const saved = await saveTemplate(t.store.db, 'leads', 'Vendor export', plan.columns);
      expect(saved.mapping).toEqual({ Contact: 'email', Remarks: 'notes', Misc: null });

      const next = path.join(dir, 'vendor-next.csv');
      fs.writeFileSync(next, 'contact,REMARKS,misc\nb@x.com,again,q\n');
      const suggested = await previewFile(t.store.db, t.config, { file: next, flowId: 'leads' });
      expect(suggested.template).toEqual({ id: saved.id, name: 'Vendor export', how: 'fingerprint' });

      const renamed = path.join(dir, 'vendor-renamed.csv');
      fs.writeFileSync(renamed, 'Contact,Remarks,Extra\nc@x.com,third,q\n');
      const summary = await runImport(t.store, t.config, {
        file: renamed,
        flowId: 'leads',
        sourceId: 'vendor',
        template: 'Vendor export',
      });
      expect(summary.created).toBe(1);
      expect(await leads()).toEqual([{ email: 'c@x.com', notes: 'third' }]);
      await expect(
        runImport(t.store, t.config, { file: renamed, flowId: 'leads', sourceId: 'vendor', template: 'nope' }),
      ).rejects.toThrow('flow "leads" has no template "nope"');
    });
  });
}
