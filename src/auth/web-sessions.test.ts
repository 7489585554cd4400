import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test/helpers/stores.js';
import { applyFlow } from '../flows/flow.service.js';
import { createApp } from '../http/app.js';
import { createApiKey, createUser } from './auth.service.js';

// Browser sessions: the HttpOnly cookie from each way of signing in, the CSRF guard on cookie writes, and
// bearer clients as they were.
for (const dialect of DIALECTS) {
  describe(`web sessions on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let sourceKey = '';
    let adminKey = '';

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, {
        id: 'solar',
        name: 'Solar',
        fields: [{ name: 'email', required: true }],
        sources: [
          { id: 'acme-media', name: 'Acme Media' },
          { id: 'beta', name: 'Beta' },
        ],
      });
      await createUser(t.store.db, 'admin@example.com', 'correct-horse');
      sourceKey = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      adminKey = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    // The cookies a response sets, as a browser would send them back.
    const cookiesOf = (setCookie: string | string[] | undefined) => {
      const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
      return Object.fromEntries(lines.map((line) => (line.split(';')[0] ?? '').split('=') as [string, string]));
    };
    const cookieHeader = (cookies: Record<string, string>) =>
      Object.entries(cookies)
        .map(([name, value]) => `${name}=${value}`)
        .join('; ');

    it('sets an HttpOnly SameSite=Strict session cookie at sign-in, keeps the token in the body, and accepts the cookie', async () => {
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'admin@example.com', password: 'correct-horse' },
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().token).toMatch(/^lps_/);
      const setCookie = [login.headers['set-cookie']].flat().join('\n');
      expect(setCookie).toMatch(/leadport_session=lps_[^;]+;.*HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      const cookies = cookiesOf(login.headers['set-cookie']);

      const me = await app.inject({
        method: 'GET',
        url: '/api/auth/session',
        headers: { cookie: cookieHeader(cookies) },
      });
      expect(me.json()).toEqual({ kind: 'admin', email: 'admin@example.com', sourceId: null, sourceName: null });
    });

    it('refuses a cookie-authenticated write without the CSRF header, and takes it with the header', async () => {
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'admin@example.com', password: 'correct-horse' },
      });
      const cookies = cookiesOf(login.headers['set-cookie']);
      const write = (headers: Record<string, string>) =>
        app.inject({
          method: 'PUT',
          url: '/api/sources/gamma',
          payload: { name: 'Gamma' },
          headers: { cookie: cookieHeader(cookies), ...headers },
        });
      const refused = await write({});
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toContain('x-leadport-csrf');
      expect((await write({ 'x-leadport-csrf': 'guess' })).statusCode).toBe(403);
      expect((await write({ 'x-leadport-csrf': cookies.leadport_csrf ?? '' })).statusCode).toBe(200);
      // Bearer clients need no CSRF header.
      const bearer = await app.inject({
        method: 'PUT',
        url: '/api/sources/delta',
        payload: { name: 'Delta' },
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(bearer.statusCode).toBe(200);
    });

    it('signs a source in with its API key, scoped to that source, until the key is revoked', async () => {
      const login = await app.inject({ method: 'POST', url: '/api/auth/source-login', payload: { apiKey: sourceKey } });
      expect(login.statusCode).toBe(200);
      const cookie = cookieHeader(cookiesOf(login.headers['set-cookie']));
      const me = await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } });
      expect(me.json()).toMatchObject({ kind: 'source', sourceId: 'acme-media', sourceName: 'Acme Media' });
      expect((await app.inject({ method: 'GET', url: '/api/flows', headers: { cookie } })).statusCode).toBe(403);

      const wrong = await app.inject({ method: 'POST', url: '/api/auth/source-login', payload: { apiKey: 'lp_nope' } });
      expect(wrong.statusCode).toBe(401);
      const admin = await app.inject({ method: 'POST', url: '/api/auth/source-login', payload: { apiKey: adminKey } });
      expect(admin.json().error.message).toContain('admins sign in with their email');

      const keys = await app.inject({
        method: 'GET',
        url: '/api/keys',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      const keyId = (keys.json() as { id: string; sourceId: string | null }[]).find(
        (k) => k.sourceId === 'acme-media',
      )?.id;
      await app.inject({
        method: 'DELETE',
        url: `/api/keys/${keyId}`,
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).statusCode).toBe(401);
    });

    it('makes one-time sign-in links for a source (admins only)', async () => {
      const betaKey = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'beta' })).key;
      const bySource = await app.inject({
        method: 'POST',
        url: '/api/sources/beta/sign-in-links',
        headers: { authorization: `Bearer ${betaKey}` },
      });
      expect(bySource.statusCode).toBe(403);
      const made = await app.inject({
        method: 'POST',
        url: '/api/sources/beta/sign-in-links',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(made.statusCode).toBe(201);
      const token = (made.json().url as string).split('/sign-in/')[1] ?? '';
      expect(token).toMatch(/^lpl_/);

      const used = await app.inject({ method: 'POST', url: `/api/auth/sign-in-links/${token}` });
      expect(used.json()).toMatchObject({ sourceId: 'beta' });
      const cookie = cookieHeader(cookiesOf(used.headers['set-cookie']));
      expect((await app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).json()).toMatchObject(
        {
          kind: 'source',
          sourceId: 'beta',
        },
      );
      expect((await app.inject({ method: 'POST', url: `/api/auth/sign-in-links/${token}` })).statusCode).toBe(401);

      const unknown = await app.inject({
        method: 'POST',
        url: '/api/sources/nobody/sign-in-links',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('ends the browser session at sign-out and clears the cookies', async () => {
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'admin@example.com', password: 'correct-horse' },
      });
      const cookies = cookiesOf(login.headers['set-cookie']);
      const logout = await app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: cookieHeader(cookies), 'x-leadport-csrf': cookies.leadport_csrf ?? '' },
      });
      expect(logout.statusCode).toBe(204);
      expect([logout.headers['set-cookie']].flat().join('\n')).toMatch(/leadport_session=;.*Expires=Thu, 01 Jan 1970/);
      const after = await app.inject({
        method: 'GET',
        url: '/api/auth/session',
        headers: { cookie: cookieHeader(cookies) },
      });
      expect(after.statusCode).toBe(401);
    });

    it('serves the web app at its client routes and keeps unknown paths 404 in the error shape', async () => {
      for (const url of ['/', '/imports/abc', '/jobs', '/flows/solar', '/sign-in/lpl_x']) {
        const page = await app.inject({ method: 'GET', url });
        expect(page.statusCode, url).toBe(200);
        expect(page.headers['content-type'], url).toContain('text/html');
      }
      for (const url of ['/api/nothing', '/no/such/page', '/flows/solar/sources/acme-media/submit']) {
        const missing = await app.inject({ method: 'GET', url });
        expect(missing.statusCode, url).toBe(404);
        expect(missing.json().error.code, url).toBe('not_found');
      }
    });
  });
}
