import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDARD_FIELDS } from '../../src/core/catalogue.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { previewFile } from '../../src/imports/preview.service.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';

// Real exports written by other projects live next to the repository (../shared/realworld, see its
// README), never in it: their licences are their own. A fresh clone has no such folder and skips this.
const folder = path.resolve(import.meta.dirname, '../..', '../shared/realworld');
const present = fs.existsSync(folder);

/**
 * Data rows per file, counted outside Leadport (Python's csv module and openpyxl, SheetJS's
 * sheet_to_json for .xls): non-blank records less the header and the lines above it. A file added to
 * the folder fails the first test until its count is added here.
 */
const DATA_ROWS: Readonly<Record<string, number>> = {
  'akaunting_customers.xlsx': 1,
  'hitobito_empty_lines.csv': 2,
  'hitobito_iso88591.csv': 1,
  'hitobito_list.csv': 4,
  'invoiceninja_clients_v4_export.csv': 20,
  'invoiceninja_freshbooks_clients.csv': 2,
  'invoiceninja_wave_clients.csv': 4,
  'invoiceninja_zoho_contacts.csv': 5,
  'mautic_10contacts.csv': 10,
  'mautic_contacts_sample.csv': 1,
  'mautic_fakeleaddata.csv': 54,
  'odoo_customers.xls': 4,
  'rapidpro_encoding_iso-8859-1.csv': 1,
  'rapidpro_encoding_utf16-le.csv': 1,
  'rapidpro_extra_fields_and_group.xlsx': 3,
  'rapidpro_simple.xls': 3,
  'roundcube_all.csv': 1,
  'roundcube_gmail.csv': 1,
  'snipeit_users-sample.csv': 100,
  'thunderbird_basic_csv_addressbook.csv': 2,
  'thunderbird_csv_no_header.csv': 2,
  'thunderbird_csv_semicolon.csv': 2,
  'thunderbird_export.csv': 2,
  'thunderbird_utf16_addressbook.csv': 1,
};

const SAMPLE_ROWS = 10;

describe('real-world exports in ../shared/realworld: preview and dry-run import', () => {
  if (!present) {
    it.skip(`skipped: ${folder} does not exist (it is not part of the repository)`, () => undefined);
    return;
  }
  const files = fs
    .readdirSync(folder)
    .filter((name) => /\.(csv|tsv|txt|xlsx|xls)$/i.test(name))
    .sort();
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    // Every standard field, none required and no acceptance rules or duplicate policy: every row a file
    // holds must come out as a lead, so a failed row is a row read wrong.
    await applyFlow(t.store.db, {
      id: 'generic',
      name: 'Generic',
      fields: STANDARD_FIELDS.map((field) => ({ name: field.name })),
      sources: [{ id: 'realworld' }],
    });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('knows the data rows of every file in the folder', () => {
    expect(files.filter((name) => !Object.hasOwn(DATA_ROWS, name))).toEqual([]);
  });

  for (const name of files) {
    it(`${name}: every row read, none failed, the preview agreeing with the import`, async () => {
      const file = path.join(folder, name);
      const preview = await previewFile(t.store.db, t.config, { file, flowId: 'generic', rows: SAMPLE_ROWS });
      expect(preview.problems).toEqual([]);
      const summary = await runImport(t.store, t.config, {
        file,
        flowId: 'generic',
        sourceId: 'realworld',
        dryRun: true,
      });
      expect(summary.total).toBe(DATA_ROWS[name]);
      expect(summary.failed).toBe(0);
      expect(preview.sampleRows).toHaveLength(Math.min(summary.total, SAMPLE_ROWS));
      for (const row of preview.sampleRows) expect(row).toHaveLength(preview.columns.length);
    });
  }
});
