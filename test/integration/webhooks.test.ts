import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import { newId } from '../../src/core/ids.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { findImport, insertImport, newImportRow } from '../../src/imports/import.repository.js';
import { runImport } from '../../src/imports/import.service.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { EmbeddedJobRunner } from '../../src/jobs/embedded-runner.js';
import type { JobDeps } from '../../src/jobs/job-deps.js';
import { jobHandlers } from '../../src/jobs/job-handlers.js';
import { verifySignature } from '../../src/webhooks/webhook-signature.js';
import { dispatchPendingDeliveries, webhookDelivery } from '../../src/webhooks/webhook.service.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;
const exampleCsv = decodeURIComponent(new URL('../../examples/solar-leads.csv', import.meta.url).pathname);
const defaults = { ...webhookDelivery };

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** When the request's connection closed (a hanging one: when the sender gave up). */
  closedAt?: number;
}

/** A webhook endpoint on 127.0.0.1: answers each request with the next of `answers` (then 200). */
class Receiver {
  readonly requests: Received[] = [];
  answers: (number | 'hang')[] = [];
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: Received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.requests.push(received);
      response.on('close', () => {
        received.closedAt = Date.now();
      });
      const answer = this.answers.shift() ?? 200;
      if (answer === 'hang') return;
      if (answer >= 300 && answer < 400) response.setHeader('location', `${this.url}/elsewhere`);
      response.statusCode = answer;
      response.end('{}');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
    await delay(20);
  }
}

for (const dialect of DIALECTS) {
  describe(`flow webhooks on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let jobs: EmbeddedJobRunner;
    let deps: JobDeps;
    let receiver: Receiver;
    const tokens = { admin: '', acme: '' };
    const api = async (method: 'GET' | 'POST', url: string, token = tokens.admin) => {
      const response = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      return { status: response.statusCode, json: response.body ? response.json() : undefined };
    };
    const deliveries = async (flowId = 'solar', query = '') =>
      (await api('GET', `/api/flows/${flowId}/webhook/deliveries${query}`)).json.items;
    const secret = async () => (await api('GET', '/api/flows/solar/webhook')).json.secret as string;
    const importEnds = async (flowId = 'solar') => {
      const { importId } = await runImport(t.store, t.config, { file: exampleCsv, flowId, sourceId: 'acme-media' });
      await dispatchPendingDeliveries(deps);
      return importId;
    };

    beforeEach(async () => {
      t = await createTestStore(dialect);
      receiver = new Receiver();
      await receiver.start();
      await applyFlow(t.store.db, { ...solar, webhook: { url: `${receiver.url}/hook` } });
      await applyFlow(t.store.db, { ...solar, id: 'plain', name: 'No webhook' });
      tokens.admin = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      tokens.acme = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      Object.assign(webhookDelivery, { firstRetryMs: 50, timeoutMs: 5000 });
      jobs = new EmbeddedJobRunner(t.store.db, 2000);
      app = await createApp({ config: t.config, store: t.store, jobs });
      deps = { config: t.config, store: t.store, jobs, log: () => {} };
      jobs.work(jobHandlers(deps));
    });
    afterEach(async () => {
      await jobs.stop();
      await app.close();
      await receiver.close();
      await t.destroy();
      Object.assign(webhookDelivery, defaults);
    });

    it('makes a whsec_ secret when a flow gets a webhook URL, shows it to admins only, and rotates it', async () => {
      const stored = await t.store.db.selectFrom('flows').select(['id', 'webhook_secret']).orderBy('id').execute();
      expect(stored).toEqual([
        { id: 'plain', webhook_secret: null },
        { id: 'solar', webhook_secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/) },
      ]);
      const shown = await api('GET', '/api/flows/solar/webhook');
      expect(shown).toEqual({ status: 200, json: { url: `${receiver.url}/hook`, secret: stored[1]?.webhook_secret } });
      // Applying the flow again keeps its secret.
      await applyFlow(t.store.db, { ...solar, webhook: { url: `${receiver.url}/hook` } });
      expect(await secret()).toBe(stored[1]?.webhook_secret);

      const rotated = await api('POST', '/api/flows/solar/webhook/rotate');
      expect(rotated.status).toBe(200);
      expect(rotated.json.secret).toMatch(/^whsec_/);
      expect(rotated.json.secret).not.toBe(stored[1]?.webhook_secret);
      expect(await secret()).toBe(rotated.json.secret);

      for (const [method, url] of [
        ['GET', '/api/flows/solar/webhook'],
        ['POST', '/api/flows/solar/webhook/rotate'],
        ['GET', '/api/flows/solar/webhook/deliveries'],
      ] as const) {
        expect((await api(method, url, tokens.acme)).json.error.code).toBe('forbidden');
        expect((await app.inject({ method, url })).statusCode).toBe(401);
      }
      expect(await secret()).toBe(rotated.json.secret);

      const none = await api('GET', '/api/flows/plain/webhook');
      expect(none.status).toBe(404);
      expect(none.json.error.code).toBe('webhook_not_found');
      expect((await api('POST', '/api/flows/plain/webhook/rotate')).json.error.code).toBe('webhook_not_found');
      expect((await api('GET', '/api/flows/nope/webhook')).json.error.code).toBe('flow_not_found');
      expect((await api('GET', '/api/flows/nope/webhook/deliveries')).json.error.code).toBe('flow_not_found');
    });

    it('POSTs a signed import.finished body when an import ends, once', async () => {
      const importId = await importEnds();
      const [delivery] = await until(deliveries, (items) => items[0]?.status === 'delivered', 'the delivery');
      expect(delivery).toEqual({
        id: expect.any(String),
        event: 'import.finished',
        importId,
        url: `${receiver.url}/hook`,
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
        createdAt: expect.any(String),
        deliveredAt: expect.any(String),
      });
      expect(receiver.requests).toHaveLength(1);
      const [request] = receiver.requests;
      expect(request?.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'Leadport-Webhook/1',
        'x-leadport-event': 'import.finished',
        'x-leadport-delivery': delivery.id,
        'x-leadport-signature': expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
      });
      const body = request?.body ?? '';
      expect(verifySignature(await secret(), request?.headers['x-leadport-signature'] as string, body, 300)).toBe(true);
      expect(verifySignature('whsec_wrong', request?.headers['x-leadport-signature'] as string, body, 300)).toBe(false);
      const row = await findImport(t.store.db, importId);
      expect(JSON.parse(body)).toEqual({
        event: 'import.finished',
        import: {
          id: importId,
          status: 'completed_with_errors',
          flowId: 'solar',
          sourceId: 'acme-media',
          fileName: 'solar-leads.csv',
          total: 9,
          created: 4,
          updated: 0,
          failed: 5,
          duplicates: row?.duplicates,
          durationMs: row?.duration_ms,
          finishedAt: row?.finished_at,
        },
        sentAt: expect.any(String),
      });

      // Dispatching again (housekeeping, another import's end) sends nothing twice.
      await dispatchPendingDeliveries(deps);
      await delay(400);
      expect(receiver.requests).toHaveLength(1);
    });

    it('retries a failing endpoint with backoff until it answers 2xx', async () => {
      receiver.answers = [500, 503];
      await importEnds();
      const [delivery] = await until(deliveries, (items) => items[0]?.status === 'delivered', 'the delivery');
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
      expect(receiver.requests).toHaveLength(3);
      const key = await secret();
      for (const request of receiver.requests) {
        expect(request.headers['x-leadport-delivery']).toBe(delivery.id);
        expect(verifySignature(key, request.headers['x-leadport-signature'] as string, request.body, 300)).toBe(true);
      }
    });

    it('records each failed try, and gives up as failed after the last', async () => {
      Object.assign(webhookDelivery, { firstRetryMs: 1000, maxAttempts: 2 });
      receiver.answers = [500, 500];
      await importEnds();
      const [first] = await until(deliveries, (items) => items[0]?.attempts === 1, 'the first try');
      expect(first).toMatchObject({ status: 'pending', lastStatusCode: 500, lastError: 'HTTP 500', deliveredAt: null });
      const retryIn = Date.parse(first.nextAttemptAt) - Date.now();
      expect(retryIn).toBeGreaterThan(500);
      expect(retryIn).toBeLessThanOrEqual(1000);
      const [last] = await until(deliveries, (items) => items[0]?.status !== 'pending', 'the last try');
      expect(last).toMatchObject({
        status: 'failed',
        attempts: 2,
        lastStatusCode: 500,
        lastError: 'HTTP 500',
        nextAttemptAt: null,
      });
      expect(receiver.requests).toHaveLength(2);
    });

    it('does not follow a redirect', async () => {
      Object.assign(webhookDelivery, { maxAttempts: 1 });
      receiver.answers = [302];
      await importEnds();
      const [delivery] = await until(deliveries, (items) => items[0]?.status === 'failed', 'the delivery');
      expect(delivery).toMatchObject({ attempts: 1, lastStatusCode: 302 });
      expect(delivery.lastError).toMatch(/^HTTP 302: redirects are not followed/);
      expect(receiver.requests).toHaveLength(1);
    });

    it('gives up on a hanging endpoint after the timeout and tries again, while an import on the same runner completes', async () => {
      Object.assign(webhookDelivery, { timeoutMs: 2000, firstRetryMs: 1000 });
      receiver.answers = ['hang'];
      const firstImport = await importEnds();
      const hanging = (await until(() => receiver.requests[0], Boolean, 'the hanging request')) as Received;

      // Another import, queued as the HTTP API queues one, is run by the runner meanwhile.
      const opened = await openTabularFile(exampleCsv, { maxBytes: Number.POSITIVE_INFINITY });
      opened.close();
      const secondImport = newId();
      await insertImport(
        t.store.db,
        newImportRow({
          id: secondImport,
          flow_id: 'solar',
          source_id: 'acme-media',
          file_name: 'solar-leads.csv',
          file_size: opened.sizeBytes,
          format: opened.settings.format,
          options: JSON.stringify(opened.settings),
          columns: JSON.stringify(opened.headers),
          mapping: '[]',
          status: 'queued',
          file_path: exampleCsv,
        }),
      );
      await jobs.enqueue('import', { importId: secondImport }, { key: `import:${secondImport}` });
      const ended = await until(
        () => findImport(t.store.db, secondImport),
        (row) => row?.status === 'completed' || row?.status === 'completed_with_errors',
        'the second import',
      );
      expect(ended?.total).toBe(9);
      // Still hanging: the import did not wait for it.
      expect(hanging.closedAt).toBeUndefined();
      // The delivery row is written just after the import's status: wait for it before dispatching.
      await until(deliveries, (items) => items.length === 2, 'the second delivery row');
      await dispatchPendingDeliveries(deps);

      const timedOut = await until(
        () => deliveries(),
        (items) =>
          items.some(
            (item: { importId: string; attempts: number }) => item.importId === firstImport && item.attempts === 1,
          ),
        'the timed-out try',
      );
      expect(timedOut.find((item: { importId: string }) => item.importId === firstImport)).toMatchObject({
        status: 'pending',
        lastStatusCode: null,
        lastError: 'no answer within 2000 ms',
      });
      // The sender dropped the connection (the receiver hears of it a moment later).
      await until(() => hanging.closedAt, Boolean, 'the hanging request to be dropped');
      const all = await until(
        () => deliveries(),
        (items) => items.length === 2 && items.every((item: { status: string }) => item.status === 'delivered'),
        'both deliveries',
      );
      // Newest first: the second import's, then the first's, delivered on its second try.
      expect(all.map((item: { importId: string; attempts: number }) => [item.importId, item.attempts])).toEqual([
        [secondImport, 1],
        [firstImport, 2],
      ]);
    });

    it('sends import.reverted when an ended import is reverted, and lists deliveries newest first', async () => {
      const importId = await importEnds();
      await until(deliveries, (items) => items[0]?.status === 'delivered', 'the first delivery');
      expect((await api('POST', `/api/imports/${importId}/revert`)).status).toBe(202);
      await until(
        () => findImport(t.store.db, importId),
        (row) => row?.status === 'reverted',
        'the revert',
      );
      await dispatchPendingDeliveries(deps);
      const items = await until(
        deliveries,
        (list) => list.length === 2 && list[0]?.status === 'delivered',
        'the revert delivery',
      );
      expect(items.map((item: { event: string }) => item.event)).toEqual(['import.reverted', 'import.finished']);
      expect(JSON.parse(receiver.requests[1]?.body ?? '{}')).toMatchObject({
        event: 'import.reverted',
        import: { id: importId, status: 'reverted' },
      });
      expect(receiver.requests[1]?.headers['x-leadport-event']).toBe('import.reverted');
      expect(await deliveries('solar', '?limit=1')).toHaveLength(1);
    });

    it('signs with the rotated secret from then on', async () => {
      const old = await secret();
      const rotated = (await api('POST', '/api/flows/solar/webhook/rotate')).json.secret;
      await importEnds();
      await until(deliveries, (items) => items[0]?.status === 'delivered', 'the delivery');
      const [request] = receiver.requests;
      const header = request?.headers['x-leadport-signature'] as string;
      expect(verifySignature(rotated, header, request?.body ?? '', 300)).toBe(true);
      expect(verifySignature(old, header, request?.body ?? '', 300)).toBe(false);
    });

    it('sends nothing for a flow without a webhook', async () => {
      await importEnds('plain');
      await delay(300);
      expect(await deliveries('plain')).toEqual([]);
      expect(await t.store.db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([]);
      expect(receiver.requests).toEqual([]);
    });

    it('stops delivering when the flow loses its webhook', async () => {
      Object.assign(webhookDelivery, { firstRetryMs: 1000 });
      receiver.answers = [500];
      await importEnds();
      await until(deliveries, (items) => items[0]?.attempts === 1, 'the first try');
      await applyFlow(t.store.db, solar);
      const [delivery] = await until(deliveries, (items) => items[0]?.status === 'failed', 'the delivery');
      expect(delivery).toMatchObject({ attempts: 1, lastError: 'the flow no longer has a webhook' });
      expect(receiver.requests).toHaveLength(1);
    });
  });
}
