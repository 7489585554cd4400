import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import { buildProgram } from '../../src/cli/main.js';
import { newId } from '../../src/core/ids.js';
import type { ImportTable } from '../../src/db/schema.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { storeImportFile } from '../../src/imports/import-files.js';
import { insertImport, newImportRow } from '../../src/imports/import.repository.js';
import { runImport } from '../../src/imports/import.service.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const exampleCsv = decodeURIComponent(new URL('../../examples/solar-leads.csv', import.meta.url).pathname);

const HEADERS = ['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Roof type'];
const TARGETS = ['first_name', 'last_name', 'email', 'phone_1', 'state', 'postal_code', 'roof_type'];
const SETTINGS = { format: 'csv', encoding: 'utf-8', delimiter: ',', hasHeader: true, sheet: null };

const INVALID_EMAIL = 'email is invalid: not a valid email address';
const RAGGED = 'row 9 has 5 fields but the header has 7';

// The validation report of an uploaded solar-leads.csv with two more rows: a ragged one (with a cell a
// spreadsheet would run) and a second invalid email.
const REPORT: [number, 'failure' | 'error', string, string, string[], string | null][] = [
  [
    4,
    'failure',
    'rejected',
    INVALID_EMAIL,
    ['Aiko', 'Tanaka', 'aiko.tanaka@example', '602-555-0107', 'AZ', '85001', 'metal'],
    null,
  ],
  [
    5,
    'failure',
    'rejected',
    'first_name is required',
    ['', 'Nguyen', 'linh.nguyen@example.com', '602-555-0111', 'AZ', '85004', 'shingle'],
    null,
  ],
  [
    6,
    'failure',
    'rejected',
    'state must be one of TX, CA, AZ',
    ['Robert', 'Johnson', 'robert.johnson@example.com', '+1 713 555 0100', 'NY', '10001', 'tile'],
    null,
  ],
  [
    7,
    'failure',
    'duplicate',
    'duplicate',
    ['Maria', 'Garcia', 'Maria.Garcia@Example.com', '512-555-0143', 'TX', '78701', 'shingle'],
    'would-be-lead',
  ],
  [8, 'failure', 'rejected', 'email is required', ['Chen', 'Wei', '', '480-555-0122', 'AZ', '85251', 'metal'], null],
  [9, 'error', 'error', RAGGED, ['Zed', 'Quinn', '=HYPERLINK("http://x")', '5125550100', 'TX'], null],
  [10, 'failure', 'rejected', INVALID_EMAIL, ['Bo', 'Lee', 'bo@', '5125550101', 'TX', '78701', 'tile'], null],
];

function byHeader(cells: readonly string[]): Record<string, string> {
  return Object.fromEntries(HEADERS.map((header, index) => [header, cells[index] ?? '']));
}

for (const dialect of DIALECTS) {
  describe(`import row report and row fixes on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const tokens = { admin: '', acme: '', other: '' };
    let ranId = '';

    const api = async (method: 'GET' | 'PATCH', url: string, token = tokens.acme, payload?: unknown) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      return {
        status: response.statusCode,
        body: response.body,
        headers: response.headers,
        json: String(response.headers['content-type'] ?? '').includes('json') ? response.json() : undefined,
      };
    };

    /** An uploaded import of the flow for acme-media, with the fixture report unless told otherwise. */
    async function uploaded(values: Partial<ImportTable> = {}, report = REPORT): Promise<string> {
      const id = newId();
      await insertImport(
        t.store.db,
        newImportRow({
          id,
          flow_id: 'solar',
          source_id: 'acme-media',
          file_name: 'solar-leads.csv',
          file_size: 1000,
          format: 'csv',
          options: JSON.stringify(SETTINGS),
          columns: JSON.stringify(HEADERS),
          mapping: JSON.stringify(TARGETS),
          status: 'uploaded',
          ...values,
        }),
      );
      if (report.length > 0)
        await t.store.db
          .insertInto('import_report_rows')
          .values(
            report.map(([row, outcome, action, reason, cells, duplicateOf]) => ({
              import_id: id,
              row_number: row,
              outcome,
              action,
              reason,
              cells: JSON.stringify(cells),
              duplicate_of: duplicateOf,
              duplicate_key: duplicateOf ? 'email' : null,
            })),
          )
          .execute();
      return id;
    }

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }] });
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      tokens.other = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other' })).key;
      // An import that ran: its failed rows are events, and its leads are stored (duplicates to match).
      ranId = (await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media' }))
        .importId;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('lists the report in file order with values by header, and counts its reasons', async () => {
      const id = await uploaded();
      const { status, json } = await api('GET', `/api/imports/${id}/rows`);
      expect(status).toBe(200);
      expect(json.total).toBe(7);
      expect(json.next).toBeNull();
      expect(json.rows.map((row: { row: number }) => row.row)).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(json.rows[0]).toEqual({
        row: 4,
        outcome: 'failure',
        action: 'rejected',
        reason: INVALID_EMAIL,
        values: byHeader(REPORT[0]?.[4] ?? []),
        fixed: false,
        duplicateOf: null,
      });
      expect(json.rows[3].duplicateOf).toEqual({ leadId: 'would-be-lead', key: 'email' });
      expect(json.rows[5]).toMatchObject({
        row: 9,
        outcome: 'error',
        values: { Email: '=HYPERLINK("http://x")', Zip: '' },
      });
      expect(json.reasons).toEqual([
        { reason: INVALID_EMAIL, count: 2 },
        { reason: 'duplicate', count: 1 },
        { reason: 'email is required', count: 1 },
        { reason: 'first_name is required', count: 1 },
        { reason: RAGGED, count: 1 },
        { reason: 'state must be one of TX, CA, AZ', count: 1 },
      ]);
    });

    it('filters by outcome and exact reason; the reasons stay those of the whole report', async () => {
      const id = await uploaded();
      const errors = (await api('GET', `/api/imports/${id}/rows?outcome=error`)).json;
      expect(errors.rows.map((row: { row: number }) => row.row)).toEqual([9]);
      expect(errors.total).toBe(1);
      expect(errors.reasons).toEqual([{ reason: RAGGED, count: 1 }]);
      const invalid = (await api('GET', `/api/imports/${id}/rows?reason=${encodeURIComponent(INVALID_EMAIL)}`)).json;
      expect(invalid.rows.map((row: { row: number }) => row.row)).toEqual([4, 10]);
      expect(invalid.total).toBe(2);
      expect(invalid.reasons).toHaveLength(6);
      const none = (await api('GET', `/api/imports/${id}/rows?reason=email`)).json;
      expect(none).toMatchObject({ rows: [], total: 0, next: null });
    });

    it('pages with limit and after', async () => {
      const id = await uploaded();
      const rowsOf = (json: { rows: { row: number }[] }) => json.rows.map((row) => row.row);
      const first = (await api('GET', `/api/imports/${id}/rows?limit=3`)).json;
      expect([rowsOf(first), first.next, first.total]).toEqual([[4, 5, 6], 6, 7]);
      const second = (await api('GET', `/api/imports/${id}/rows?limit=3&after=${first.next}`)).json;
      expect([rowsOf(second), second.next]).toEqual([[7, 8, 9], 9]);
      const last = (await api('GET', `/api/imports/${id}/rows?limit=3&after=${second.next}`)).json;
      expect([rowsOf(last), last.next]).toEqual([[10], null]);
      const exact = (await api('GET', `/api/imports/${id}/rows?limit=7`)).json;
      expect(exact.next).toBeNull();
      const tooMany = await api('GET', `/api/imports/${id}/rows?limit=1001`);
      expect(tooMany.status).toBe(400);
      expect(tooMany.json.error.code).toBe('validation_failed');
    });

    it('counts the 50 commonest reasons', async () => {
      const many = Array.from({ length: 52 }, (_, index) => {
        const entry: (typeof REPORT)[number] = [
          index + 2,
          'failure',
          'rejected',
          `reason ${String(index).padStart(2, '0')}`,
          [],
          null,
        ];
        return entry;
      });
      many.push([60, 'failure', 'rejected', 'reason 51', [], null]);
      const id = await uploaded({}, many);
      const { json } = await api('GET', `/api/imports/${id}/rows?limit=1`);
      expect(json.total).toBe(53);
      expect(json.reasons).toHaveLength(50);
      expect(json.reasons.slice(0, 3)).toEqual([
        { reason: 'reason 51', count: 2 },
        { reason: 'reason 00', count: 1 },
        { reason: 'reason 01', count: 1 },
      ]);
    });

    it('downloads the report as formula-safe CSV with a BOM, filtered like the JSON', async () => {
      const id = await uploaded();
      const csv = await api('GET', `/api/imports/${id}/rows.csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe(`attachment; filename="rows-${id}.csv"`);
      expect(csv.body).toBe(
        [
          '\uFEFFFirst Name,Last Name,Email,Phone,State,Zip,Roof type,row,error,duplicate_of',
          `Aiko,Tanaka,aiko.tanaka@example,602-555-0107,AZ,85001,metal,4,${INVALID_EMAIL},`,
          ',Nguyen,linh.nguyen@example.com,602-555-0111,AZ,85004,shingle,5,first_name is required,',
          'Robert,Johnson,robert.johnson@example.com,+1 713 555 0100,NY,10001,tile,6,"state must be one of TX, CA, AZ",',
          'Maria,Garcia,Maria.Garcia@Example.com,512-555-0143,TX,78701,shingle,7,duplicate,email matches an earlier row of this file',
          'Chen,Wei,,480-555-0122,AZ,85251,metal,8,email is required,',
          `Zed,Quinn,"'=HYPERLINK(""http://x"")",5125550100,TX,,,9,${RAGGED},`,
          `Bo,Lee,bo@,5125550101,TX,78701,tile,10,${INVALID_EMAIL},`,
          '',
        ].join('\r\n'),
      );
      const errors = await api('GET', `/api/imports/${id}/rows.csv?outcome=error&bom=false`);
      expect(errors.body.split('\r\n')).toEqual([
        'First Name,Last Name,Email,Phone,State,Zip,Roof type,row,error,duplicate_of',
        `Zed,Quinn,"'=HYPERLINK(""http://x"")",5125550100,TX,,,9,${RAGGED},`,
        '',
      ]);
    });

    it("reads an import's events once it ran", async () => {
      const { json } = await api('GET', `/api/imports/${ranId}/rows`);
      expect(json.rows.map((row: { row: number; reason: string }) => [row.row, row.reason])).toEqual([
        [4, INVALID_EMAIL],
        [5, 'first_name is required'],
        [6, 'state must be one of TX, CA, AZ'],
        [7, 'duplicate'],
        [8, 'email is required'],
      ]);
      expect(json.rows[3]).toMatchObject({
        action: 'duplicate',
        values: { Email: 'Maria.Garcia@Example.com' },
        duplicateOf: { leadId: expect.any(String), key: 'email' },
      });
      expect(json.total).toBe(5);
      const csv = await api('GET', `/api/imports/${ranId}/rows.csv?reason=duplicate`);
      expect(csv.body.split('\r\n')[1]).toBe(
        'Maria,Garcia,Maria.Garcia@Example.com,512-555-0143,TX,78701,shingle,7,duplicate,email matches row 2 of this file',
      );
    });

    it('fixes an invalid email: the row now passes, leaves the report, and its fix is kept', async () => {
      const id = await uploaded();
      const fixed = await api('PATCH', `/api/imports/${id}/rows/4`, tokens.acme, {
        values: { Email: 'aiko.tanaka@example.com' },
      });
      expect(fixed.status).toBe(200);
      const cells = ['Aiko', 'Tanaka', 'aiko.tanaka@example.com', '602-555-0107', 'AZ', '85001', 'metal'];
      expect(fixed.json).toEqual({
        row: 4,
        outcome: 'success',
        action: 'created',
        reason: null,
        values: byHeader(cells),
        fixed: true,
        duplicateOf: null,
      });
      const report = (await api('GET', `/api/imports/${id}/rows`)).json;
      expect(report.rows.map((row: { row: number }) => row.row)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(report.reasons).toContainEqual({ reason: INVALID_EMAIL, count: 1 });
      const stored = await t.store.db.selectFrom('import_row_fixes').selectAll().where('import_id', '=', id).execute();
      expect(stored.map((fix) => [fix.row_number, JSON.parse(fix.cells)])).toEqual([[4, cells]]);
    });

    it('a fix that still fails gives the new reason, and the report shows the fixed values', async () => {
      const id = await uploaded();
      const fixed = await api('PATCH', `/api/imports/${id}/rows/8`, tokens.acme, { values: { Email: 'chen@example' } });
      expect(fixed.json).toMatchObject({
        row: 8,
        outcome: 'failure',
        action: 'rejected',
        reason: INVALID_EMAIL,
        fixed: true,
      });
      const [row] = (await api('GET', `/api/imports/${id}/rows?after=7&limit=1`)).json.rows;
      expect(row).toMatchObject({ row: 8, reason: INVALID_EMAIL, fixed: true, values: { Email: 'chen@example' } });
      // A second fix starts from the first: the email stays as fixed.
      const again = await api('PATCH', `/api/imports/${id}/rows/8`, tokens.acme, { values: { 'First Name': 'Wei' } });
      expect(again.json.values).toMatchObject({ 'First Name': 'Wei', Email: 'chen@example' });
      const csv = (
        await api('GET', `/api/imports/${id}/rows.csv?outcome=failure&reason=${encodeURIComponent(INVALID_EMAIL)}`)
      ).body;
      expect(csv).toContain(`Wei,Wei,chen@example,480-555-0122,AZ,85251,metal,8,${INVALID_EMAIL},`);
    });

    it("fixes a ragged row into the header's columns", async () => {
      const id = await uploaded();
      const fixed = await api('PATCH', `/api/imports/${id}/rows/9`, tokens.acme, {
        values: { Email: 'zed@example.com', Zip: '78701' },
      });
      expect(fixed.json).toMatchObject({
        outcome: 'success',
        values: { Email: 'zed@example.com', State: 'TX', Zip: '78701', 'Roof type': '' },
      });
    });

    it('re-checks duplicates against the stored leads', async () => {
      const id = await uploaded();
      const fixed = await api('PATCH', `/api/imports/${id}/rows/4`, tokens.acme, {
        values: { Email: 'maria.garcia@example.com' },
      });
      expect(fixed.json).toMatchObject({
        outcome: 'failure',
        action: 'duplicate',
        reason: 'duplicate',
        duplicateOf: { leadId: expect.any(String), key: 'email' },
      });
      const lead = await t.store.db
        .selectFrom('leads')
        .select('id')
        .where('import_id', '=', ranId)
        .where('row_number', '=', 2)
        .executeTakeFirstOrThrow();
      expect(fixed.json.duplicateOf.leadId).toBe(lead.id);
      const [row] = (await api('GET', `/api/imports/${id}/rows?limit=1`)).json.rows;
      expect(row).toMatchObject({ row: 4, action: 'duplicate', duplicateOf: { leadId: lead.id, key: 'email' } });
    });

    it("reads a row from the import's file when the report does not hold it", async () => {
      const id = await uploaded({ file_path: exampleCsv }, []);
      const fixed = await api('PATCH', `/api/imports/${id}/rows/2`, tokens.acme, { values: { State: 'NY' } });
      expect(fixed.json).toMatchObject({
        outcome: 'failure',
        reason: 'state must be one of TX, CA, AZ',
        values: byHeader(['Maria', 'Garcia', 'maria.garcia@example.com', '(512) 555-0143', 'NY', '78701', 'shingle']),
      });
      expect((await api('GET', `/api/imports/${id}/rows`)).json.rows).toMatchObject([{ row: 2, fixed: true }]);
      const missing = await api('PATCH', `/api/imports/${id}/rows/99`, tokens.acme, { values: { State: 'TX' } });
      expect(missing.status).toBe(404);
      expect(missing.json.error).toMatchObject({ code: 'row_not_found', message: 'solar-leads.csv has no row 99' });
    });

    it('reads a row from an uploaded file stored in the database', async () => {
      const id = await uploaded({ file_stored: 1 }, []);
      await storeImportFile(t.store.db, id, fs.createReadStream(exampleCsv), Number.POSITIVE_INFINITY);
      const fixed = await api('PATCH', `/api/imports/${id}/rows/6`, tokens.acme, { values: { State: 'TX' } });
      expect(fixed.json).toMatchObject({
        outcome: 'success',
        action: 'created',
        values: byHeader(['Robert', 'Johnson', 'robert.johnson@example.com', '+1 713 555 0100', 'TX', '10001', 'tile']),
      });
      expect((await api('GET', `/api/imports/${id}/rows`)).json.total).toBe(0);
    });

    it('refuses an unknown column, a started import and a running validation', async () => {
      const id = await uploaded();
      const unknown = await api('PATCH', `/api/imports/${id}/rows/4`, tokens.acme, { values: { Emial: 'a@b.co' } });
      expect(unknown.status).toBe(400);
      expect(unknown.json.error.code).toBe('validation_failed');
      expect(unknown.json.error.message).toContain('unknown column "Emial"');

      const ran = await api('PATCH', `/api/imports/${ranId}/rows/4`, tokens.acme, { values: { Email: 'a@b.co' } });
      expect(ran.status).toBe(409);
      expect(ran.json.error.code).toBe('invalid_state_transition');
      expect(ran.json.error.message).toContain('fixes apply before the import runs');

      const noFlow = await uploaded({ flow_id: null });
      const unchosen = await api('PATCH', `/api/imports/${noFlow}/rows/4`, tokens.acme, {
        values: { Email: 'a@b.co' },
      });
      expect(unchosen.status).toBe(400);
      expect(unchosen.json.error.message).toContain('choose a flow and a source first');

      const gone = await uploaded({ file_stored: 1, file_deleted_at: new Date().toISOString() }, []);
      const unreadable = await api('PATCH', `/api/imports/${gone}/rows/2`, tokens.acme, {
        values: { Email: 'a@b.co' },
      });
      expect(unreadable.status).toBe(400);
      expect(unreadable.json.error).toMatchObject({
        code: 'file_unreadable',
        message: 'solar-leads.csv: the uploaded file is no longer kept',
      });

      const validating = await uploaded({ validation: JSON.stringify({ status: 'running' }) });
      const busy = await api('PATCH', `/api/imports/${validating}/rows/4`, tokens.acme, {
        values: { Email: 'a@b.co' },
      });
      expect(busy.status).toBe(409);
      expect(busy.json.error.code).toBe('conflict');
      expect(
        await t.store.db
          .selectFrom('import_row_fixes')
          .select('row_number')
          .where('import_id', 'in', [ranId, validating])
          .execute(),
      ).toEqual([]);
    });

    it("keeps another source's import hidden; an admin sees every one", async () => {
      const id = await uploaded();
      for (const [method, url] of [
        ['GET', `/api/imports/${id}/rows`],
        ['GET', `/api/imports/${id}/rows.csv`],
        ['PATCH', `/api/imports/${id}/rows/4`],
      ] as const) {
        const refused = await api(
          method,
          url,
          tokens.other,
          method === 'PATCH' ? { values: { Email: 'x@y.co' } } : undefined,
        );
        expect(refused.status).toBe(404);
        expect(refused.json.error.code).toBe('import_not_found');
      }
      expect((await api('GET', `/api/imports/${id}/rows`, tokens.admin)).json.total).toBe(7);
      const unauthenticated = await app.inject({ method: 'GET', url: `/api/imports/${id}/rows` });
      expect(unauthenticated.statusCode).toBe(401);
    });

    it('leadport imports rows prints the report, one line a row, or its JSON', async () => {
      const id = await uploaded();
      await api('PATCH', `/api/imports/${id}/rows/8`, tokens.acme, { values: { Email: 'chen@example' } });
      const saved = { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: process.env.LOG_LEVEL };
      process.env.DATABASE_URL = t.url;
      process.env.LOG_LEVEL = 'silent';
      let out = '';
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out += String(chunk);
        return true;
      });
      try {
        await buildProgram().parseAsync(['node', 'leadport', 'imports', 'rows', id, '--outcome', 'failure']);
        const human = out;
        out = '';
        await buildProgram().parseAsync(['node', 'leadport', 'imports', 'rows', id, '--reason', RAGGED, '--json']);
        const json = JSON.parse(out);
        expect(human.split('\n')[0]).toBe(
          `row 4: First Name: Aiko, Last Name: Tanaka, Email: aiko.tanaka@example, Phone: 602-555-0107, State: AZ, Zip: 85001, Roof type: metal — ${INVALID_EMAIL}`,
        );
        expect(human).toContain(
          `row 8: First Name: Chen, Last Name: Wei, Email: chen@example, Phone: 480-555-0122, State: AZ, Zip: 85251, Roof type: metal — ${INVALID_EMAIL} (fixed)\n`,
        );
        expect(human).not.toContain('row 9:');
        expect(human.trimEnd().split('\n')).toHaveLength(6);
        expect(json).toMatchObject({ total: 1, next: null, rows: [{ row: 9, outcome: 'error' }] });
        // Row 8's fix changed its reason: "email is required" is no longer in the report.
        expect(json.reasons).toHaveLength(5);
      } finally {
        write.mockRestore();
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });
}
