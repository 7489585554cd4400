import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import {
  CHUNK_BYTES,
  deleteImportFile,
  materializeImportFile,
  storeImportFile,
} from '../../src/imports/import-files.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const fixture = (name: string) => fs.readFileSync(new URL(`../../examples/${name}`, import.meta.url));
const fileFixture = (name: string) => fs.readFileSync(new URL(`../fixtures/files/${name}`, import.meta.url));

type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer };

/** A multipart/form-data body, parts in the given order. */
function multipartBody(parts: readonly Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----leadport-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: application/octet-stream`
        : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in part ? part.content : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** A CSV of the solar flow: 20 leads, the first 12 with e-mails that are not valid. */
function twentyLeads(): Buffer {
  const lines = ['First Name,Last Name,Email,State'];
  for (let index = 1; index <= 20; index++)
    lines.push(`Ann${index},Lee,${index <= 12 ? `ann${index}-at-example.com` : `ann${index}@example.com`},TX`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

const leftovers = () =>
  fs
    .readdirSync(os.tmpdir())
    .filter((name) => name.startsWith('leadport-upload-') || name.startsWith('leadport-mapping-'));

for (const dialect of DIALECTS) {
  describe(`import files in the database on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('stores a multi-MB file in 1 MiB chunks and writes it back byte for byte', async () => {
      const data = randomBytes(3 * CHUNK_BYTES + 12_345);
      // Odd piece sizes: chunks are cut across pieces.
      const stored = await storeImportFile(t.store.db, 'file-a', pieces(data, 70_001), 10 * CHUNK_BYTES);
      expect(stored).toEqual({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      const chunks = await t.store.db
        .selectFrom('import_files')
        .select(['chunk', 'data'])
        .where('import_id', '=', 'file-a')
        .orderBy('chunk')
        .execute();
      expect(chunks.map((chunk) => [chunk.chunk, chunk.data.length])).toEqual([
        [0, CHUNK_BYTES],
        [1, CHUNK_BYTES],
        [2, CHUNK_BYTES],
        [3, 12_345],
      ]);
      const copy = await materializeImportFile(t.store.db, 'file-a', dir, '../../evil/leads.csv');
      expect(path.dirname(copy)).toBe(dir);
      expect(path.basename(copy)).toBe('leads.csv');
      expect(fs.readFileSync(copy).equals(data)).toBe(true);
      await deleteImportFile(t.store.db, 'file-a');
      expect(await t.store.db.selectFrom('import_files').selectAll().execute()).toEqual([]);
    });

    it('refuses a file over the limit with file_too_large and keeps none of its chunks', async () => {
      const data = randomBytes(2 * CHUNK_BYTES + 1);
      await expect(storeImportFile(t.store.db, 'file-b', pieces(data, 65_536), 2 * CHUNK_BYTES)).rejects.toMatchObject({
        code: 'file_too_large',
        status: 413,
      });
      expect(
        await t.store.db.selectFrom('import_files').selectAll().where('import_id', '=', 'file-b').execute(),
      ).toEqual([]);
      // Exactly at the limit is fine.
      expect(
        (await storeImportFile(t.store.db, 'file-c', pieces(data.subarray(1), 65_536), 2 * CHUNK_BYTES)).size,
      ).toBe(2 * CHUNK_BYTES);
    });
  });

  describe(`uploads and mapping over HTTP on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const tokens = { admin: '', acme: '', other: '' };

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, { ...solar, sources: [...(solar.sources ?? []), { id: 'other', name: 'Other' }] });
      await applyFlow(t.store.db, {
        ...solar,
        id: 'roofing',
        name: 'Roofing',
        sources: [{ id: 'other', name: 'Other' }],
      });
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      tokens.other = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    const upload = async (parts: readonly Part[], token = tokens.admin) => {
      const body = multipartBody(parts);
      const response = await app.inject({
        method: 'POST',
        url: '/api/imports',
        payload: body.payload,
        headers: { ...body.headers, authorization: `Bearer ${token}` },
      });
      return { status: response.statusCode, json: response.json() };
    };
    const call = async (method: 'GET' | 'PUT', url: string, body?: unknown, token = tokens.admin) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      return { status: response.statusCode, json: response.json() };
    };
    const row = (id: string) => t.store.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
    const chunkCount = async (id: string) =>
      (await t.store.db.selectFrom('import_files').select('chunk').where('import_id', '=', id).execute()).length;
    const importCount = async () => (await t.store.db.selectFrom('imports').select('id').execute()).length;
    const csv = fixture('solar-leads.csv');

    it('uploads a CSV: stores the file, records the import as uploaded and answers the preview', async () => {
      const answer = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'sourceId', value: 'acme-media' },
        { name: 'file', filename: 'solar-leads.csv', content: csv },
      ]);
      expect(answer.status).toBe(201);
      expect(answer.json).toMatchObject({ id: expect.any(String), status: 'uploaded' });
      const { preview } = answer.json;
      expect(preview).toMatchObject({
        format: 'csv',
        encoding: 'utf-8',
        delimiter: ',',
        hasHeader: true,
        suggestedTemplate: null,
        previousImport: null,
        missingRequired: [],
      });
      expect(preview.columns.map((column: { field: string | null }) => column.field)).toEqual([
        'first_name',
        'last_name',
        'email',
        'phone_1',
        'state',
        'postal_code',
        'roof_type',
      ]);
      expect(preview.sampleRows[0]).toEqual([
        'Maria',
        'Garcia',
        'maria.garcia@example.com',
        '(512) 555-0143',
        'TX',
        '78701',
        'shingle',
      ]);
      const stored = await row(answer.json.id);
      expect(stored).toMatchObject({
        status: 'uploaded',
        flow_id: 'solar',
        source_id: 'acme-media',
        file_name: 'solar-leads.csv',
        file_size: csv.length,
        file_sha256: createHash('sha256').update(csv).digest('hex'),
        file_stored: 1,
        file_path: null,
        format: 'csv',
        started_by: expect.stringMatching(/^admin/),
      });
      expect(JSON.parse(stored?.options ?? '')).toEqual({
        format: 'csv',
        encoding: 'utf-8',
        delimiter: ',',
        hasHeader: true,
        sheet: null,
      });
      expect(JSON.parse(stored?.mapping ?? '')).toEqual(
        preview.columns.map((column: { field: string }) => column.field),
      );
      expect(await chunkCount(answer.json.id)).toBe(1);
      // GET shows the uploaded import.
      const view = await call('GET', `/api/imports/${answer.json.id}`);
      expect(view.status).toBe(200);
      expect(view.json).toMatchObject({
        id: answer.json.id,
        status: 'uploaded',
        fileName: 'solar-leads.csv',
        columns: ['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Roof type'],
      });
    });

    it('uploads an XLSX workbook, and a file of several MB', async () => {
      const workbook = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'file', filename: 'multi-sheet.xlsx', content: fileFixture('multi-sheet.xlsx') },
      ]);
      expect(workbook.status).toBe(201);
      expect(workbook.json.preview.format).toBe('xlsx');
      expect(workbook.json.preview.sheets.length).toBeGreaterThan(1);
      expect(workbook.json.preview.sheet).toEqual(expect.any(String));
      expect((await row(workbook.json.id))?.format).toBe('xlsx');

      const lines = ['First Name,Last Name,Email,State'];
      for (let index = 0; lines.length < 80_000; index++) lines.push(`Ann${index},Lee,ann${index}@example.com,TX`);
      const big = Buffer.from(lines.join('\n'));
      expect(big.length).toBeGreaterThan(2 * CHUNK_BYTES);
      const answer = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'file', filename: 'big.csv', content: big },
      ]);
      expect(answer.status).toBe(201);
      expect(await chunkCount(answer.json.id)).toBe(Math.ceil(big.length / CHUNK_BYTES));
      expect((await row(answer.json.id))?.file_size).toBe(big.length);
    });

    it('takes the fields after the file, and without a flow shows the columns unmapped', async () => {
      const after = await upload([
        { name: 'file', filename: 'leads.csv', content: csv },
        { name: 'flowId', value: 'solar' },
        { name: 'options', value: JSON.stringify({ delimiter: ',' }) },
      ]);
      expect(after.status).toBe(201);
      expect(after.json.preview.columns[2]).toMatchObject({ header: 'Email', field: 'email' });
      expect(after.json.preview.evidence.delimiter).toBe('chosen by the user');
      expect(await row(after.json.id)).toMatchObject({ flow_id: 'solar', source_id: null });

      const bare = await upload([{ name: 'file', filename: 'leads.csv', content: csv }]);
      expect(bare.status).toBe(201);
      expect(bare.json.preview).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',', template: null });
      expect(bare.json.preview.columns.map((column: { field: string | null }) => column.field)).toEqual(
        Array(7).fill(null),
      );
      expect(bare.json.preview.columns[0].header).toBe('First Name');
      expect(await row(bare.json.id)).toMatchObject({ flow_id: null, source_id: null });
    });

    it('names an earlier import of the same file into the flow, once that one was started', async () => {
      const content = Buffer.from('First Name,Email\nAnn,ann-twice@example.com\n');
      const parts = [
        { name: 'flowId', value: 'solar' },
        { name: 'sourceId', value: 'acme-media' },
        { name: 'file', filename: 'twice.csv', content },
      ];
      const first = await upload(parts);
      const draft = await upload(parts);
      expect(draft.json.preview.previousImport).toBeNull();
      await t.store.db.updateTable('imports').set({ status: 'completed' }).where('id', '=', first.json.id).execute();
      const again = await upload(parts);
      expect(again.status).toBe(201);
      const created = (await row(first.json.id))?.created_at ?? '';
      expect(again.json.preview.previousImport).toEqual({
        id: first.json.id,
        fileName: 'twice.csv',
        createdAt: created,
      });
      expect(again.json.preview.warnings).toContain(
        `this file was imported before: import ${first.json.id} on ${created.slice(0, 10)}; its rows still go through the duplicate policy`,
      );
      // Another flow has no earlier import of it; nor does another source's upload hear of acme's.
      const elsewhere = await upload([
        { name: 'flowId', value: 'roofing' },
        { name: 'file', filename: 'twice.csv', content },
      ]);
      expect(elsewhere.json.preview.previousImport).toBeNull();
      const byOther = await upload([{ name: 'flowId', value: 'solar' }, parts[2] as Part], tokens.other);
      expect(byOther.status).toBe(201);
      expect(byOther.json.preview.previousImport).toBeNull();
    });

    it('keeps a source key to its own source and its own flows', async () => {
      const before = await importCount();
      const own = await upload(
        [
          { name: 'flowId', value: 'solar' },
          { name: 'file', filename: 'mine.csv', content: csv },
        ],
        tokens.acme,
      );
      expect(own.status).toBe(201);
      expect(await row(own.json.id)).toMatchObject({ source_id: 'acme-media', started_by: 'source acme-media' });

      const theirs = await upload(
        [
          { name: 'sourceId', value: 'other' },
          { name: 'file', filename: 'theirs.csv', content: csv },
        ],
        tokens.acme,
      );
      expect(theirs.status).toBe(403);
      expect(theirs.json.error.code).toBe('forbidden');
      // The field after the file is refused as well.
      const late = await upload(
        [
          { name: 'file', filename: 'theirs.csv', content: csv },
          { name: 'sourceId', value: 'other' },
        ],
        tokens.acme,
      );
      expect(late.status).toBe(403);
      // A flow the source is not attached to is not found, as one that does not exist.
      const roofing = await upload(
        [
          { name: 'flowId', value: 'roofing' },
          { name: 'file', filename: 'x.csv', content: csv },
        ],
        tokens.acme,
      );
      expect(roofing.status).toBe(404);
      expect(roofing.json.error).toMatchObject({ code: 'flow_not_found', message: 'unknown flow "roofing"' });
      expect(await importCount()).toBe(before + 1);
      expect(await t.store.db.selectFrom('import_files').select('import_id').distinct().execute()).toHaveLength(
        await importCount(),
      );
      // Another source neither sees nor maps acme's upload.
      expect((await call('GET', `/api/imports/${own.json.id}`, undefined, tokens.other)).status).toBe(404);
      expect((await call('PUT', `/api/imports/${own.json.id}/mapping`, {}, tokens.other)).status).toBe(404);
      expect(
        (await call('PUT', `/api/imports/${own.json.id}/mapping`, { sourceId: 'other' }, tokens.acme)).status,
      ).toBe(403);
    });

    it('answers a missing file, an unreadable file and bad fields in the error shape, leaving nothing behind', async () => {
      const before = await importCount();
      const tempBefore = leftovers();
      const noFile = await upload([{ name: 'flowId', value: 'solar' }]);
      expect(noFile.status).toBe(400);
      expect(noFile.json.error).toMatchObject({ code: 'validation_failed', details: { field: 'file' } });
      expect(noFile.json.error.message).toContain('"file"');

      // A workbook's bytes cut short: the reader cannot open it.
      const broken = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'file', filename: 'broken.xlsx', content: fileFixture('multi-sheet.xlsx').subarray(0, 3000) },
      ]);
      expect(broken.status).toBe(400);
      expect(broken.json.error.code).toMatch(/^file_/);
      expect(broken.json.error.message).toContain('broken.xlsx');

      const badOptions = await upload([
        { name: 'options', value: '{"delimiter":' },
        { name: 'file', filename: 'x.csv', content: csv },
      ]);
      expect(badOptions.status).toBe(400);
      expect(badOptions.json.error.details).toEqual({ field: 'options' });
      const unknownField = await upload([
        { name: 'flow_id', value: 'solar' },
        { name: 'file', filename: 'x.csv', content: csv },
      ]);
      expect(unknownField.status).toBe(400);
      expect(unknownField.json.error.message).toContain('flow_id: unknown field');
      const twoFiles = await upload([
        { name: 'file', filename: 'x.csv', content: csv },
        { name: 'file', filename: 'y.csv', content: csv },
      ]);
      expect(twoFiles.status).toBe(400);
      expect(twoFiles.json.error.message).toContain('one file');
      const badMapping = await call('PUT', '/api/imports/x/mapping', { mapping: 'no' });
      expect(badMapping.json.error.code).toBe('validation_failed');
      const unknownFlow = await upload([
        { name: 'file', filename: 'x.csv', content: csv },
        { name: 'flowId', value: 'nope' },
      ]);
      expect(unknownFlow.json.error.code).toBe('flow_not_found');

      expect(await importCount()).toBe(before);
      expect(await t.store.db.selectFrom('import_files').select('import_id').distinct().execute()).toHaveLength(before);
      expect(leftovers()).toEqual(tempBefore);
    });

    it('maps columns: a new custom field, the sample check in words, and the 422s', async () => {
      const uploaded = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'sourceId', value: 'acme-media' },
        { name: 'file', filename: 'twenty.csv', content: twentyLeads() },
      ]);
      const id = uploaded.json.id;
      const email = uploaded.json.preview.columns.find((column: { header: string }) => column.header === 'Email');
      expect(email.sample.message).toMatch(
        /^12 of 20 sample values are not valid emails \(e\.g\. "ann1-at-example\.com": /,
      );
      const state = uploaded.json.preview.columns.find((column: { header: string }) => column.header === 'State');
      expect(state.sample.message).toBe('all 20 sample values are valid states');

      const mapped = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { State: '+home_state' } });
      expect(mapped.status).toBe(200);
      expect(mapped.json.import).toMatchObject({
        id,
        status: 'uploaded',
        flowId: 'solar',
        sourceId: 'acme-media',
        mapping: ['first_name', 'last_name', 'email', 'home_state'],
      });
      expect(mapped.json.preview.columns[3]).toMatchObject({
        header: 'State',
        field: 'home_state',
        note: 'chosen by the user: a new custom field of the flow',
      });
      const stored = await row(id);
      expect(JSON.parse(stored?.mapping_choices ?? '')).toEqual({ State: '+home_state' });

      // Choices add up: the earlier one stays.
      const skipped = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { 'Last Name': null } });
      expect(skipped.json.import.mapping).toEqual(['first_name', null, 'email', 'home_state']);
      expect(JSON.parse((await row(id))?.mapping_choices ?? '')).toEqual({ State: '+home_state', 'Last Name': null });

      const unmapped = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { Email: null } });
      expect(unmapped.status).toBe(422);
      expect(unmapped.json.error).toMatchObject({
        code: 'required_fields_unmapped',
        message: 'twenty.csv: required field email is not mapped to any column',
        details: { fields: ['email'] },
      });
      const twice = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { 'Last Name': 'first_name' } });
      expect(twice.status).toBe(422);
      expect(twice.json.error.code).toBe('mapping_invalid');
      expect(twice.json.error.details.problems).toEqual([
        'columns "First Name" and "Last Name" are both mapped to first_name',
      ]);
      // Refused changes are not stored.
      expect(JSON.parse((await row(id))?.mapping ?? '')).toEqual(['first_name', null, 'email', 'home_state']);

      const notAField = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { Email: 'nope' } });
      expect(notAField.status).toBe(400);

      // Once started, the mapping is settled.
      await t.store.db.updateTable('imports').set({ status: 'queued' }).where('id', '=', id).execute();
      const late = await call('PUT', `/api/imports/${id}/mapping`, { mapping: { 'Last Name': 'last_name' } });
      expect(late.status).toBe(409);
      expect(late.json.error.code).toBe('invalid_state_transition');
    });

    it('chooses the flow and read settings of an upload later, and an empty PUT answers the preview as it is', async () => {
      const content = Buffer.from('First Name,Notes\nAnn,hello\nBob,bye\n');
      const uploaded = await upload([{ name: 'file', filename: 'no-email.csv', content }]);
      const id = uploaded.json.id;
      // Without a flow there is nothing to map to.
      expect((await call('PUT', `/api/imports/${id}/mapping`, { mapping: { Notes: 'comments' } })).status).toBe(400);
      // A flow whose required e-mail no column holds: refused, until the mapping names it.
      const flowOnly = await call('PUT', `/api/imports/${id}/mapping`, { flowId: 'solar', sourceId: 'acme-media' });
      expect(flowOnly.status).toBe(422);
      expect(flowOnly.json.error.details.fields).toEqual(['email']);
      expect((await row(id))?.flow_id).toBeNull();
      const withEmail = await call('PUT', `/api/imports/${id}/mapping`, {
        flowId: 'solar',
        sourceId: 'acme-media',
        mapping: { Notes: 'email' },
      });
      expect(withEmail.status).toBe(200);
      expect(withEmail.json.import).toMatchObject({
        flowId: 'solar',
        sourceId: 'acme-media',
        mapping: ['first_name', 'email'],
      });
      expect(withEmail.json.preview.missingRequired).toEqual([]);

      // Read settings: no header row; kept for later reads.
      const headerless = await call('PUT', `/api/imports/${id}/mapping`, { options: { hasHeader: false } });
      expect(headerless.status).toBe(200);
      expect(headerless.json.import.columns).toEqual(['Column 1', 'Column 2']);
      expect(headerless.json.preview.missingRequired.length).toBeGreaterThan(0);
      // The earlier choice names a header the file no longer has: dropped, not an error.
      expect((await row(id))?.mapping_choices).toBeNull();
      const again = await call('PUT', `/api/imports/${id}/mapping`, {});
      expect(again.status).toBe(200);
      expect(again.json.preview).toMatchObject({ hasHeader: false, evidence: { hasHeader: 'chosen by the user' } });
      expect(JSON.parse((await row(id))?.options ?? '')).toMatchObject({
        hasHeader: false,
        chosen: { hasHeader: false },
      });
    });

    it('documents both routes in the OpenAPI document', async () => {
      const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
      expect(document.paths['/api/imports'].post.responses['201']).toBeDefined();
      expect(document.paths['/api/imports/{id}/mapping'].put.requestBody).toBeDefined();
    });

    it('keeps a validation when nothing changes and drops it when the mapping does', async () => {
      const uploaded = await upload([
        { name: 'flowId', value: 'solar' },
        { name: 'file', filename: 'validated.csv', content: twentyLeads() },
      ]);
      const id = uploaded.json.id;
      const validation = {
        status: 'completed',
        total: 20,
        created: 8,
        updated: 0,
        unchanged: 0,
        duplicates: 0,
        failed: 12,
      };
      await t.store.db
        .updateTable('imports')
        .set({
          validation: JSON.stringify({ ...validation, fractionRead: 1, startedAt: 'x', finishedAt: 'y', error: null }),
        })
        .where('id', '=', id)
        .execute();
      expect((await call('PUT', `/api/imports/${id}/mapping`, {})).json.import.validation).toMatchObject(validation);
      expect(
        (await call('PUT', `/api/imports/${id}/mapping`, { mapping: { State: null } })).json.import.validation,
      ).toBeNull();
    });
  });

  describe(`an upload imported by the job on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let jobs: EmbeddedJobRunner;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, solar);
      jobs = new EmbeddedJobRunner(t.store.db, 2000);
      app = await createApp({ config: t.config, store: t.store, jobs });
      jobs.work(jobHandlers({ config: t.config, store: t.store, jobs, log: () => {} }));
    });
    afterAll(async () => {
      await jobs.stop();
      await app.close();
      await t.destroy();
    });

    it('reads the stored file with the stored settings and choices, adding the new custom field', async () => {
      const headers = { authorization: `Bearer ${(await createApiKey(t.store.db, { kind: 'admin' })).key}` };
      const body = multipartBody([
        {
          name: 'file',
          filename: 'leads.csv',
          content: Buffer.from('Name;Mail;State;Colour\nAnn;ann@example.com;TX;red\nBob;bob@example.com;AZ;blue\n'),
        },
        { name: 'flowId', value: 'solar' },
        { name: 'sourceId', value: 'acme-media' },
        { name: 'options', value: JSON.stringify({ delimiter: ';' }) },
      ]);
      const uploaded = await app.inject({
        method: 'POST',
        url: '/api/imports',
        payload: body.payload,
        headers: { ...body.headers, ...headers },
      });
      const id = uploaded.json().id;
      const mapped = await app.inject({
        method: 'PUT',
        url: `/api/imports/${id}/mapping`,
        headers,
        payload: { mapping: { Name: 'first_name', Mail: 'email', Colour: '+colour' } },
      });
      expect(mapped.statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: `/api/imports/${id}/start`, headers })).statusCode).toBe(202);
      let view = { status: '', created: 0 };
      for (
        let tries = 0;
        tries < 200 && !['completed', 'completed_with_errors', 'failed'].includes(view.status);
        tries++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = (await app.inject({ method: 'GET', url: `/api/imports/${id}`, headers })).json();
      }
      expect(view).toMatchObject({ status: 'completed', created: 2 });
      const leads = await t.store.db.selectFrom('leads').select('fields').where('import_id', '=', id).execute();
      expect(leads.map((lead) => JSON.parse(lead.fields).colour).sort()).toEqual(['blue', 'red']);
    });
  });

  describe(`the upload limit on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    beforeAll(async () => {
      t = await createTestStore(dialect, { LEADPORT_MAX_UPLOAD_MB: '0.05' });
      await applyFlow(t.store.db, solar);
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('answers 413 file_too_large for a file over LEADPORT_MAX_UPLOAD_MB and keeps nothing of it', async () => {
      const token = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      const tempBefore = leftovers();
      const lines = ['First Name,Email'];
      while (lines.length < 5000) lines.push(`Ann${lines.length},ann${lines.length}@example.com`);
      const body = multipartBody([
        { name: 'flowId', value: 'solar' },
        { name: 'file', filename: 'big.csv', content: Buffer.from(lines.join('\n')) },
      ]);
      const response = await app.inject({
        method: 'POST',
        url: '/api/imports',
        payload: body.payload,
        headers: { ...body.headers, authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(413);
      expect(response.json().error).toMatchObject({
        code: 'file_too_large',
        details: { maxBytes: t.config.maxUploadBytes },
      });
      expect(response.json().error.message).toContain('51.2 KB');
      expect(await t.store.db.selectFrom('imports').selectAll().execute()).toEqual([]);
      expect(await t.store.db.selectFrom('import_files').select('import_id').execute()).toEqual([]);
      expect(leftovers()).toEqual(tempBefore);
    });
  });
}
