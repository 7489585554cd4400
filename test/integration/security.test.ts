import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, ensureFirstAdmin } from '../../src/auth/auth.service.js';
import { loadConfig } from '../../src/config.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { IDEMPOTENCY_LEASE_MS } from '../../src/leads/submit.service.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

// Two sources on one flow whose duplicates merge: what one sends must never reach the other.
const shared: FlowDefinition = {
  id: 'shared',
  name: 'Shared',
  fields: [
    { name: 'first_name' },
    { name: 'email', required: true },
    { name: 'state' },
    { name: 'comments' },
    { name: 'discount', label: 'Discount code' },
  ],
  duplicates: { keys: ['email'], action: 'merge', scope: 'flow' },
  sources: [
    { id: 'alpha', name: 'Alpha' },
    { id: 'beta', name: 'Beta' },
  ],
};

interface Call {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  address?: string;
}

for (const dialect of DIALECTS) {
  describe(`security on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    const tokens = { admin: '', alpha: '', beta: '' };

    const api = async (method: string, url: string, call: Call = {}) => {
      const headers: Record<string, string> = { ...call.headers };
      if (call.token) headers.authorization = `Bearer ${call.token}`;
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(call.address ? { remoteAddress: call.address } : {}),
        ...(call.body !== undefined ? { payload: call.body as object } : {}),
      });
      const json =
        response.headers['content-type']?.toString().includes('json') && response.body ? response.json() : undefined;
      return { status: response.statusCode, json, body: response.body, headers: response.headers };
    };
    const submit = (source: 'alpha' | 'beta', body: unknown, headers: Record<string, string> = {}) =>
      api('POST', `/flows/shared/sources/${source}/submit`, { token: tokens[source], body, headers });

    beforeAll(async () => {
      t = await createTestStore(dialect, {
        LEADPORT_ADMIN_EMAIL: 'admin@example.com',
        LEADPORT_ADMIN_PASSWORD: 'correct-horse',
        LEADPORT_PUBLIC_URL: 'https://leads.example.com/',
      });
      await applyFlow(t.store.db, shared);
      await ensureFirstAdmin(t.store.db, t.config);
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.alpha = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'alpha' })).key;
      tokens.beta = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'beta' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    describe('a source sees only what it sent', () => {
      let leadId = '';
      beforeAll(async () => {
        const created = await submit('alpha', {
          first_name: 'Alice',
          email: 'alice@private.example',
          comments: 'secret garden gate',
        });
        expect(created.json.outcome).toBe('success');
        leadId = created.json.lead.id;
        // Knowing the address is enough to merge into alpha's lead; beta adds a state and a discount code.
        const merged = await submit('beta', { email: 'ALICE@PRIVATE.EXAMPLE', state: 'TX', discount: 'BETA-ONLY-50' });
        expect(merged.json).toEqual({ outcome: 'success', lead: { id: leadId } });
      });

      it("lists the merging source's own values, never the stored lead's other fields", async () => {
        const listed = await api('GET', '/api/leads', { token: tokens.beta });
        expect(listed.json.items).toHaveLength(1);
        expect(listed.json.items[0]).toMatchObject({
          id: leadId,
          action: 'merged',
          fields: { email: 'alice@private.example', state: 'TX', discount: 'BETA-ONLY-50' },
        });
        expect(listed.body).not.toContain('secret garden');
        expect(listed.body).not.toContain('Alice');
      });
      it("finds nothing by a word of another source's values", async () => {
        const searched = await api('GET', '/api/leads?q=garden', { token: tokens.beta });
        expect(searched.json.items).toEqual([]);
        expect((await api('GET', '/api/leads?q=beta-only', { token: tokens.beta })).json.items).toHaveLength(1);
      });
      it("shows the creating source its lead without what another source's duplicate added", async () => {
        const listed = await api('GET', '/api/leads', { token: tokens.alpha });
        expect(listed.json.items[0]).toMatchObject({
          id: leadId,
          action: 'created',
          fields: { first_name: 'Alice', email: 'alice@private.example', comments: 'secret garden gate' },
        });
        expect(listed.body).not.toContain('BETA-ONLY');
        expect((await api('GET', '/api/leads?q=beta-only', { token: tokens.alpha })).json.items).toEqual([]);
        const detail = await api('GET', `/api/leads/${leadId}`, { token: tokens.alpha });
        expect(detail.json.fields).toEqual({
          first_name: 'Alice',
          email: 'alice@private.example',
          comments: 'secret garden gate',
        });
        expect(detail.json.events.map((event: { action: string }) => event.action)).toEqual(['created']);
        expect(detail.body).not.toContain('BETA-ONLY');
        expect((await api('GET', `/api/leads/${leadId}`, { token: tokens.beta })).status).toBe(404);
      });
      it('shows admins the stored lead as the duplicate policy left it', async () => {
        const detail = await api('GET', `/api/leads/${leadId}`, { token: tokens.admin });
        expect(detail.json.fields).toMatchObject({ first_name: 'Alice', state: 'TX', discount: 'BETA-ONLY-50' });
        expect(detail.json.events.map((event: { action: string }) => event.action)).toEqual(['created', 'merged']);
      });
      it('searches values, not field names, and takes % and _ literally', async () => {
        await submit('alpha', { email: 'pct@example.com', comments: '100% sure' });
        await submit('alpha', { email: 'under_score@example.com' });
        const byFieldName = await api('GET', '/api/leads?q=comments', { token: tokens.admin });
        expect(byFieldName.json.items).toEqual([]);
        const percent = await api('GET', `/api/leads?q=${encodeURIComponent('%')}`, { token: tokens.admin });
        expect(percent.json.items.map((item: { fields: { email: string } }) => item.fields.email)).toEqual([
          'pct@example.com',
        ]);
        const underscore = await api('GET', '/api/leads?q=r_s', { token: tokens.admin });
        expect(underscore.json.items.map((item: { fields: { email: string } }) => item.fields.email)).toEqual([
          'under_score@example.com',
        ]);
      });
    });

    describe('idempotency keys', () => {
      it('lets a retry take over a key left in flight by a crashed request, and processes it once', async () => {
        const body = { email: 'crash@example.com', first_name: 'Cy' };
        // A request that claimed the key and died before committing (its answer commits with its lead).
        const first = await submit('alpha', body, { 'idempotency-key': 'crashed-1' });
        expect(first.status).toBe(201);
        const row = await t.store.db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('key', '=', 'crashed-1')
          .executeTakeFirstOrThrow();
        const stale = new Date(Date.now() - IDEMPOTENCY_LEASE_MS - 1000).toISOString();
        await t.store.db
          .insertInto('idempotency_keys')
          .values({ ...row, key: 'crashed-2', status: 'in_flight', response: null, created_at: stale })
          .execute();
        const retried = await submit(
          'alpha',
          { ...body, email: 'crash@example.com' },
          { 'idempotency-key': 'crashed-2' },
        );
        expect(retried.status).toBe(201);
        expect(retried.headers['idempotent-replayed']).toBeUndefined();
        const again = await submit('alpha', body, { 'idempotency-key': 'crashed-2' });
        expect(again).toMatchObject({ status: 201, json: retried.json });
        expect(again.headers['idempotent-replayed']).toBe('true');
      });
    });

    describe('access', () => {
      it('authenticates before it validates, and public routes ignore a malformed Authorization header', async () => {
        expect(await api('POST', '/api/users', { body: { nonsense: true } })).toMatchObject({
          status: 401,
          json: { error: { code: 'unauthorized' } },
        });
        const asSource = await api('POST', '/api/users', { token: tokens.alpha, body: { nonsense: true } });
        expect(asSource).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
        expect(asSource.body).not.toContain('password');
        expect((await api('GET', '/health', { headers: { authorization: 'Bearer' } })).status).toBe(200);
        expect((await api('GET', '/health', { headers: { authorization: 'Basic a b c' } })).status).toBe(200);
      });
      it('accepts only source ids a flow file would', async () => {
        for (const id of ['a;rm -rf ~', "x'y", '$(id)', 'a'.repeat(65), '-lead']) {
          const response = await api('PUT', `/api/sources/${encodeURIComponent(id)}`, {
            token: tokens.admin,
            body: { name: 'Bad' },
          });
          expect(response.status, id).toBe(400);
          expect(response.json.error.code).toBe('validation_failed');
        }
        expect((await api('PUT', '/api/sources/', { token: tokens.admin, body: { name: 'Bad' } })).status).toBe(400);
        expect(
          (await api('PUT', '/api/sources/good-id_2', { token: tokens.admin, body: { name: 'Good' } })).status,
        ).toBe(200);
      });
      it('builds the submission docs from LEADPORT_PUBLIC_URL, never the Host header', async () => {
        const docs = await api('GET', '/api/flows/shared/sources/alpha/docs', {
          token: tokens.alpha,
          headers: { host: 'evil.example' },
        });
        expect(docs.json.submitUrl).toBe('https://leads.example.com/flows/shared/sources/alpha/submit');
        expect(docs.body).not.toContain('evil');
      });
    });

    describe('NUL characters', () => {
      it('are a 400 naming where they are, on every route', async () => {
        const cases: [string, string, Call][] = [
          ['GET', '/api/leads/%00', { token: tokens.admin }],
          ['GET', '/api/leads?q=%00', { token: tokens.admin }],
          ['GET', '/api/leads?flowId=%00', { token: tokens.admin }],
          ['GET', '/api/events?sourceId=a%00', { token: tokens.admin }],
          ['PUT', '/api/sources/a%00b', { token: tokens.admin, body: { name: 'x' } }],
          ['POST', '/api/templates', { token: tokens.admin, body: { flowId: 'shared', name: 'n\u0000', mapping: {} } }],
          [
            'POST',
            '/flows/shared/sources/alpha/submit',
            { token: tokens.alpha, body: { email: 'nul\u0000@example.com' } },
          ],
        ];
        for (const [method, url, call] of cases) {
          const response = await api(method, url, call);
          expect(response.status, `${method} ${url}`).toBe(400);
          expect(response.json.error).toMatchObject({
            code: 'validation_failed',
            message: expect.stringContaining('NUL character'),
          });
        }
      });
      it('fail only their own submission when submissions are grouped', async () => {
        const bodies = Array.from({ length: 20 }, (_, i) => ({
          email: `group${i}@example.com`,
          comments: i === 7 ? 'bad\u0000value' : 'fine',
        }));
        const answers = await Promise.all(bodies.map((body) => submit('alpha', body)));
        expect(answers.map((answer) => answer.status)).toEqual(bodies.map((_, i) => (i === 7 ? 400 : 201)));
      });
    });

    describe('errors outside the routes keep the error shape', () => {
      it('answers a path parameter past its limit with 414', async () => {
        const response = await api('GET', `/api/leads/${'x'.repeat(500)}`, { token: tokens.admin });
        expect(response).toMatchObject({ status: 414, json: { error: { code: 'uri_too_long' } } });
      });
      it("answers oversized headers with 431 and a request Node cannot parse with 400, from Node's parser", async () => {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const address = app.server.address() as net.AddressInfo;
        const raw = (request: string) =>
          new Promise<string>((resolve, reject) => {
            const socket = net.connect(address.port, '127.0.0.1', () => socket.end(request));
            let answer = '';
            socket.on('data', (chunk) => (answer += chunk.toString()));
            socket.on('close', () => resolve(answer));
            socket.on('error', reject);
          });
        const large = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
        expect(large).toMatch(/^HTTP\/1\.1 431/);
        expect(JSON.parse(large.slice(large.indexOf('\r\n\r\n') + 4))).toEqual({
          error: { code: 'headers_too_large', message: expect.any(String) },
        });
        const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
        expect(garbage).toMatch(/^HTTP\/1\.1 400/);
        expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toEqual({
          error: { code: 'bad_request', message: expect.any(String) },
        });
      });
    });
  });
}

describe('throttling', () => {
  let t: TestStore;
  let app: FastifyInstance;
  let sourceKey = '';
  const call = (method: string, url: string, headers: Record<string, string>, address: string, payload?: object) =>
    app.inject({ method: method as 'GET', url, headers, remoteAddress: address, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await createTestStore('sqlite', {
      LEADPORT_ADMIN_EMAIL: 'admin@example.com',
      LEADPORT_ADMIN_PASSWORD: 'correct-horse',
    });
    await applyFlow(t.store.db, shared);
    await ensureFirstAdmin(t.store.db, t.config);
    sourceKey = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'alpha' })).key;
    const config = loadConfig({
      DATABASE_URL: t.url,
      LOG_LEVEL: 'silent',
      LEADPORT_RATE_LIMIT_PER_MINUTE: '5',
      LEADPORT_AUTH_FAILURES_PER_MINUTE: '6',
    });
    app = await createApp({ config, store: t.store });
  });
  afterAll(async () => {
    await app.close();
    await t.destroy();
  });

  it('throttles wrong passwords per account and address with a Retry-After, without locking the admin out elsewhere', async () => {
    // An app whose request rate limit (5 a minute here) stays out of the way: the sign-in throttle answers.
    const roomy = await createApp({
      config: loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', LEADPORT_AUTH_FAILURES_PER_MINUTE: '6' }),
      store: t.store,
    });
    const login = (address: string, password: string) =>
      roomy.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: address,
        payload: { email: 'admin@example.com', password },
      });
    try {
      const statuses: number[] = [];
      let refused: { retryAfter: string | undefined; message: string } | undefined;
      for (let attempt = 0; attempt < 8; attempt++) {
        const response = await login('10.0.0.1', `wrong-${attempt}`);
        statuses.push(response.statusCode);
        if (response.statusCode === 429)
          refused = { retryAfter: response.headers['retry-after']?.toString(), message: response.json().error.message };
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      // The address and account pair waits 15 minutes (less the moment since the block).
      expect(refused?.message).toMatch(
        /^too many failed sign-ins or invalid credentials from here; retry after 9\d\d s$/,
      );
      expect(Number(refused?.retryAfter)).toBeGreaterThan(890);
      expect(Number(refused?.retryAfter)).toBeLessThanOrEqual(900);
      // The right password from the attacking address waits too; from the admin's own address it works.
      expect((await login('10.0.0.1', 'correct-horse')).statusCode).toBe(429);
      expect((await login('10.0.0.2', 'correct-horse')).statusCode).toBe(200);
    } finally {
      await roomy.close();
    }
  });
  it("behind a trusted reverse proxy (LEADPORT_TRUST_PROXY) throttles each client's address, not the proxy's", async () => {
    const behindProxy = (trustProxy?: string) =>
      createApp({
        config: loadConfig({
          DATABASE_URL: t.url,
          LOG_LEVEL: 'silent',
          LEADPORT_AUTH_FAILURES_PER_MINUTE: '6',
          ...(trustProxy ? { LEADPORT_TRUST_PROXY: trustProxy } : {}),
        }),
        store: t.store,
      });
    // Every request comes from the proxy (10.9.9.9); X-Forwarded-For names the client.
    const login = (proxied: Awaited<ReturnType<typeof behindProxy>>, client: string, password: string) =>
      proxied.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.9.9.9',
        headers: { 'x-forwarded-for': client },
        payload: { email: 'admin@example.com', password },
      });
    for (const [trustProxy, otherClient] of [
      ['10.9.9.9', 200],
      [undefined, 429],
    ] as const) {
      const proxied = await behindProxy(trustProxy);
      try {
        for (let attempt = 0; attempt < 6; attempt++) await login(proxied, '203.0.113.7', `wrong-${attempt}`);
        expect((await login(proxied, '203.0.113.7', 'correct-horse')).statusCode).toBe(429);
        expect((await login(proxied, '198.51.100.2', 'correct-horse')).statusCode).toBe(otherClient);
      } finally {
        await proxied.close();
      }
    }
  });
  it('rate-limits by the authenticated key however its header is spelled', async () => {
    const spellings = [
      `Bearer ${sourceKey}`,
      `bearer ${sourceKey}`,
      `BEARER ${sourceKey}`,
      `Bearer  ${sourceKey}`,
      `Bearer\t${sourceKey}`,
      `Bearer ${sourceKey}`,
    ];
    const statuses = [];
    for (const [index, authorization] of spellings.entries())
      statuses.push((await call('GET', '/api/leads', { authorization }, `10.1.0.${index}`)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
  it('counts requests with invalid keys per address', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 8; attempt++)
      statuses.push(
        (await call('GET', '/api/leads', { authorization: `Bearer lp_guess${attempt}` }, '10.2.0.1')).statusCode,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    const waited = await call('GET', '/api/leads', { authorization: `Bearer ${sourceKey}` }, '10.2.0.1');
    expect(waited.statusCode).toBe(429);
    // The address waits 5 minutes (less the moment since the block), not the rest of the 1-minute window.
    expect(Number(waited.headers['retry-after'])).toBeGreaterThan(290);
    expect(Number(waited.headers['retry-after'])).toBeLessThanOrEqual(300);
  });
});
