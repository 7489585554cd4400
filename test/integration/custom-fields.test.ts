import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addCustomFields, applyFlow, requireFlow } from '../../src/flows/flow.service.js';
import { planMapping } from '../../src/imports/column-mapping.js';
import { runImport } from '../../src/imports/import.service.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

for (const dialect of DIALECTS) {
  describe(`unmapped columns and new custom fields on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeEach(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
      await applyFlow(t.store.db, {
        id: 'leads',
        name: 'Leads',
        fields: [{ name: 'first_name' }, { name: 'email', required: true }],
        sources: [{ id: 'vendor' }],
      });
    });
    afterEach(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const plan = async (content: string, overrides?: Record<string, string | null>) => {
      const file = path.join(dir, 'leads.csv');
      fs.writeFileSync(file, content);
      const tabular = await openTabularFile(file, { maxBytes: 1e6 });
      try {
        return await planMapping(t.store.db, tabular, await requireFlow(t.store.db, 'leads'), { overrides });
      } finally {
        tabular.close();
      }
    };

    it('says which columns are skipped and the custom field each could be kept as', async () => {
      const { columns } = await plan('First Name,Email,Roof type,Fax\nAnn,ann@x.com,tile,\n');
      expect(columns[2]).toMatchObject({
        field: null,
        customField: 'roof_type',
        note: 'skipped; to keep it as a new custom field of the flow, map it to +roof_type',
      });
      expect(columns[3]).toMatchObject({ field: null, customField: 'fax' });
      expect(columns[0]).not.toHaveProperty('customField');
      // A skipped column named like a field is offered another name: "company" holding yes/no.
      expect((await plan('Email,company\na@x.com,yes\nb@x.com,no\nc@x.com,yes\n')).columns[1]).toMatchObject({
        field: null,
        customField: 'company_custom',
      });
    });

    it('maps a column to a new custom field with Column=+name, and adds it to the flow', async () => {
      const result = await plan('First Name,Email,Roof type\nAnn,ann@x.com,tile\n', { 'Roof type': '+roof_type' });
      expect(result.columns[2]).toMatchObject({
        field: 'roof_type',
        note: 'chosen by the user: a new custom field of the flow',
      });
      expect(result.problems).toEqual([]);
      expect(result.newFields).toEqual([
        {
          name: 'roof_type',
          label: 'Roof type',
          type: 'string',
          required: false,
          aliases: ['Roof type'],
          choices: [],
          custom: true,
        },
      ]);
      expect(result.flow.fields.map((field) => field.name)).toEqual(['first_name', 'email', 'roof_type']);
      // Planning changes nothing stored: the import adds the field before it runs.
      expect((await requireFlow(t.store.db, 'leads')).fields).toHaveLength(2);
      await addCustomFields(t.store.db, 'leads', result.newFields);
      await addCustomFields(t.store.db, 'leads', result.newFields);
      const stored = await requireFlow(t.store.db, 'leads');
      expect(stored.fields.map((field) => field.name)).toEqual(['first_name', 'email', 'roof_type']);
      expect(stored.fields[2]).toMatchObject({ type: 'string', custom: true });
      // Once the flow has the field, +name maps to it and adds nothing.
      expect(
        (await plan('First Name,Email,Roof type\nAnn,ann@x.com,tile\n', { 'Roof type': '+roof_type' })).newFields,
      ).toEqual([]);
    });

    it('imports a column mapped to +name into the new field, and a dry run adds nothing to the flow', async () => {
      const file = path.join(dir, 'roofs.csv');
      fs.writeFileSync(file, 'First Name,Email,Roof type\nAnn,ann@x.com,tile\n');
      const request = { file, flowId: 'leads', sourceId: 'vendor', mapping: { 'Roof type': '+roof_type' } };
      await runImport(t.store, t.config, { ...request, dryRun: true });
      expect((await requireFlow(t.store.db, 'leads')).fields).toHaveLength(2);
      expect(await runImport(t.store, t.config, request)).toMatchObject({ status: 'completed', created: 1 });
      expect((await requireFlow(t.store.db, 'leads')).fields.map((field) => field.name)).toEqual([
        'first_name',
        'email',
        'roof_type',
      ]);
      const lead = await t.store.db.selectFrom('leads').select('fields').executeTakeFirstOrThrow();
      expect(JSON.parse(lead.fields)).toEqual({ first_name: 'Ann', email: 'ann@x.com', roof_type: 'tile' });
    });

    it('refuses a new field name that is not snake_case', async () => {
      await expect(plan('Email,Roof type\nann@x.com,tile\n', { 'Roof type': '+Roof' })).rejects.toThrow(
        'is not a field name',
      );
      await expect(plan('Email,Employer\nann@x.com,Acme\n', { Employer: '+company' })).rejects.toThrow(
        'company is a standard field',
      );
    });

    it('maps a file without a header row from its values', async () => {
      const { columns } = await plan('John Doe,John,Doe,john@doe.invalid\nJane Doe,Jane,Doe,jane@doe.invalid\n');
      expect(columns.map((column) => column.field)).toEqual([null, 'first_name', null, 'email']);
    });
  });
}
