import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { previewFile } from '../../src/imports/preview.service.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

// Issue 10, "Reading": each real export's trait, reproduced in a fixture of our own (test/fixtures).
const fixtures = path.resolve(import.meta.dirname, '../fixtures/files');

const flow: FlowDefinition = {
  id: 'contacts',
  name: 'Contacts',
  fields: [
    { name: 'first_name', required: true },
    { name: 'last_name' },
    { name: 'email', required: true },
    { name: 'phone_1' },
    { name: 'postal_code' },
    { name: 'city' },
    { name: 'country' },
  ],
  sources: [{ id: 'vendor' }],
};

for (const dialect of DIALECTS) {
  describe(`reading real exports on ${dialect}`, () => {
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

    const preview = (file: string, read = {}) =>
      previewFile(t.store.db, t.config, { file: path.join(fixtures, file), flowId: 'contacts', read });
    const dryRun = (file: string, read = {}) =>
      runImport(t.store, t.config, {
        file: path.join(fixtures, file),
        flowId: 'contacts',
        sourceId: 'vendor',
        dryRun: true,
        read,
      });
    const imported = async (file: string, read = {}) => {
      const summary = await runImport(t.store, t.config, {
        file: path.join(fixtures, file),
        flowId: 'contacts',
        sourceId: 'vendor',
        read,
      });
      const events = await t.store.db
        .selectFrom('events')
        .select(['row_number', 'outcome', 'reason'])
        .where('import_id', '=', summary.importId)
        .orderBy('row_number')
        .execute();
      return { summary, events };
    };

    it('imports rows ending with one more (empty) field than the header, and says so (Thunderbird)', async () => {
      const shown = await preview('trailing-empty-field.csv');
      expect(shown.columns.map((column) => column.header)).toEqual([
        'First Name',
        'Last Name',
        'Primary Email',
        'Mobile Number',
      ]);
      expect(shown.warnings).toContain("all 2 rows end with extra empty cells past the header's 4 columns: ignored");
      expect(shown.sampleRows[1]).toEqual(['Jane', 'Doe', 'jane@doe.example', '512-555-0101']);
      const { summary } = await imported('trailing-empty-field.csv');
      expect(summary).toMatchObject({ total: 2, created: 2, failed: 0 });
    });

    it('reads a header ending in a delimiter over rows one field shorter (Zammad)', async () => {
      const shown = await preview('header-trailing-delimiter.csv');
      expect(shown.columns.map((column) => [column.header, column.field])).toEqual([
        ['firstname', 'first_name'],
        ['lastname', 'last_name'],
        ['email', 'email'],
      ]);
      expect(shown.warnings).toEqual([]);
      expect((await imported('header-trailing-delimiter.csv')).summary).toMatchObject({
        total: 2,
        created: 2,
        failed: 0,
      });
    });

    it('pads short rows, drops extra empty cells, and fails only the row with values past the header', async () => {
      const shown = await preview('ragged-extra-values.csv');
      expect(shown.warnings).toEqual([
        '1 of the first 4 rows had fewer cells than the header (4) and were padded with empty cells',
        "1 of the first 4 rows end with extra empty cells past the header's 4 columns: ignored",
        "1 of the first 4 rows hold values past the header's 4 columns and will fail (line 4 has 5 fields)",
      ]);
      const { summary, events } = await imported('ragged-extra-values.csv');
      expect(summary).toMatchObject({ total: 4, created: 3, failed: 1 });
      expect(events.filter((event) => event.outcome !== 'success')).toEqual([
        { row_number: 4, outcome: 'error', reason: 'row 4 has 5 fields but the header has 4' },
      ]);
    });

    it('previews the last row of a file without a final line break, agreeing with the import (Mautic, RapidPro)', async () => {
      const shown = await preview('no-final-newline.csv');
      expect(shown.sampleRows).toHaveLength(3);
      expect(shown.sampleRows[2]).toEqual(['Kai', ' W.', ' kai@example.com', ' Germany']);
      expect((await dryRun('no-final-newline.csv')).total).toBe(3);
      const single = path.join(dir, 'single.csv');
      fs.writeFileSync(single, Buffer.from('Name,Email\nDr\xfczen,druzen@example.com', 'latin1'));
      const one = await previewFile(t.store.db, t.config, { file: single, flowId: 'contacts' });
      expect(one.sampleRows).toEqual([['Drüzen', 'druzen@example.com']]);
    });

    it('finds the header below title lines, says which line it chose, and reads every row (Invoice Ninja, hitobito)', async () => {
      const shown = await preview('title-lines.csv');
      expect(shown.columns.map((column) => column.header)).toEqual([
        'Name',
        'First Name',
        'Last Name',
        'Email',
        'Phone',
        'Phone (2)',
      ]);
      expect(shown.evidence.hasHeader).toBe(
        'line 4 holds the column names (5 distinct names; the rows below fill 6 columns); the 2 rows above it name fewer columns and are skipped',
      );
      expect(shown.warnings).toContain(
        '2 lines above the header were skipped: "Acme CRM v2.1 - March 3, 2024 10:15 am", "CONTACTS"',
      );
      expect(shown.sampleRows.map((row) => row[0])).toEqual(['Ann Lee', 'Bob Ray']);
      const { summary } = await imported('title-lines.csv');
      expect(summary).toMatchObject({ total: 2, created: 2 });
      const rows = await t.store.db
        .selectFrom('leads')
        .select('row_number')
        .where('import_id', '=', summary.importId)
        .orderBy('row_number')
        .execute();
      expect(rows.map((row) => row.row_number)).toEqual([5, 7]);
      // The import reopens the file with the header the preview found (hasHeader forced): same lines skipped.
      expect((await dryRun('title-lines.csv', { hasHeader: true })).total).toBe(2);
    });

    it('reads sheet names from a workbook written by openpyxl (absolute part paths), and its default "Sheet"', async () => {
      const shown = await preview('openpyxl-sheets.xlsx', { sheet: 'Leads' });
      expect(shown).toMatchObject({ format: 'xlsx', sheets: ['Notes', 'Leads'], sheet: 'Leads' });
      expect(shown.sampleRows[1]).toEqual(['Bob', 'Ray', 'bob@example.com', '5125550102', '78701', '7']);
      expect((await dryRun('openpyxl-sheets.xlsx', { sheet: 'Leads' })).total).toBe(3);
      const notes = await preview('openpyxl-sheets.xlsx', { sheet: 'Notes' });
      expect(notes.sampleRows).toEqual([["Generated by the vendor's reporting tool"]]);
      const plain = await preview('openpyxl-default.xlsx', { sheet: 'Sheet' });
      expect(plain).toMatchObject({ sheets: ['Sheet'], sheet: 'Sheet', sampleRows: [['dee@example.com', 'Dee']] });
    });

    it('chooses the sheet whose columns map to the flow when the first is a title sheet, and says why', async () => {
      const shown = await preview('openpyxl-sheets.xlsx');
      expect(shown.sheet).toBe('Leads');
      expect(shown.evidence.sheet).toBe(
        'sheet Leads: 5 of 6 columns map to the flow; sheet Notes: 0 of 1 columns map to the flow',
      );
      expect(shown.problems).toEqual([]);
      const { summary } = await imported('openpyxl-sheets.xlsx');
      expect(summary).toMatchObject({ total: 3, created: 3 });
      const options = await t.store.db
        .selectFrom('imports')
        .select('options')
        .where('id', '=', summary.importId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(options.options)).toMatchObject({ sheet: 'Leads' });
    });

    it('chooses the data sheet of an XLS workbook too', async () => {
      const shown = await preview('legacy.xls');
      expect(shown).toMatchObject({ sheets: ['Notes', 'Leads'], sheet: 'Leads' });
      expect(shown.evidence.sheet).toMatch(
        /^sheet Leads: \d of 5 columns map to the flow; sheet Notes: 0 of 1 columns map to the flow$/,
      );
      expect((await dryRun('legacy.xls')).total).toBe(2);
    });

    it("lists the workbook's sheets when required fields are not mapped", async () => {
      const message =
        "openpyxl-sheets.xlsx: required fields first_name, email are not mapped to any column (columns: Spring campaign export); the workbook's sheets: Notes, Leads; choose one with --sheet";
      expect((await preview('openpyxl-sheets.xlsx', { sheet: 'Notes' })).problems).toEqual([
        message.replace('openpyxl-sheets.xlsx: ', ''),
      ]);
      await expect(dryRun('openpyxl-sheets.xlsx', { sheet: 'Notes' })).rejects.toThrow(message);
    });
  });
}
