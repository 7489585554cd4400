import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { runImport } from '../../src/imports/import.service.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const flow: FlowDefinition = {
  id: 'race',
  name: 'Race',
  fields: [{ name: 'first_name' }, { name: 'email', required: true }],
  duplicates: { keys: ['email'], action: 'reject' },
  sources: [{ id: 'web', name: 'Web' }],
};

/** Ends every other connection to the test's database, as an operator's pg_terminate_backend would. */
async function terminateBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL faults', () => {
  let t: TestStore;
  let app: FastifyInstance;
  let key = '';

  beforeAll(async () => {
    t = await createTestStore('postgres', { LEADPORT_AUTH_FAILURES_PER_MINUTE: '10000' });
    await applyFlow(t.store.db, flow);
    key = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'web' })).key;
    app = await createApp({ config: t.config, store: t.store });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await t.destroy();
  });

  it('keeps serving when the database ends its connections under load: 503 for what was in flight, never a dropped socket', async () => {
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const outcomes: (number | string)[] = [];
    const accepted: { email: string; leadId: string }[] = [];
    let sent = 0;
    const client = async (worker: number) => {
      for (let i = 0; i < 60; i++) {
        const email = `kill-${worker}-${i}@example.com`;
        sent++;
        try {
          const response = await fetch(`${base}/flows/race/sources/web/submit`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ first_name: 'K', email }),
          });
          const body = (await response.json()) as { outcome?: string; lead?: { id: string }; error?: { code: string } };
          outcomes.push(response.status === 503 ? `503 ${body.error?.code}` : response.status);
          if (response.status === 201 && body.outcome === 'success' && body.lead)
            accepted.push({ email, leadId: body.lead.id });
        } catch (error) {
          outcomes.push(`network error: ${(error as Error).message}`);
        }
      }
    };
    const killer = async () => {
      for (let round = 0; round < 3; round++) {
        while (sent < 120 * (round + 1)) await new Promise((resolve) => setTimeout(resolve, 5));
        await terminateBackends(t.url);
      }
    };
    await Promise.all([...Array.from({ length: 10 }, (_, worker) => client(worker)), killer()]);

    expect(outcomes.filter((outcome) => outcome !== 201 && outcome !== '503 storage_unavailable')).toEqual([]);
    // Every 201 names a stored lead, and the server answers normally once the database does.
    const stored = await t.store.db
      .selectFrom('leads')
      .select(['id'])
      .where(
        'id',
        'in',
        accepted.map((lead) => lead.leadId),
      )
      .execute();
    expect(stored).toHaveLength(accepted.length);
    const after = await fetch(`${base}/flows/race/sources/web/submit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'after-the-storm@example.com' }),
    });
    expect(after.status).toBe(201);
  });

  it('lets an import lose key races to concurrent submissions: those rows become duplicates and the import goes on', async () => {
    const rows = 20_000;
    const batchSize = 500;
    const dir = tempDir();
    const file = path.join(dir, 'race.csv');
    fs.writeFileSync(
      file,
      ['first_name,email', ...Array.from({ length: rows }, (_, i) => `Row${i},race${i}@example.com`)].join('\n'),
    );
    // Live submissions aim at the batch the import is about to write, 20 at a time, until it ends.
    let committed = 0;
    let importDone = false;
    const answers: string[] = [];
    const stream = async (worker: number) => {
      for (let i = 0; i < 400 && !importDone; i++) {
        const row = Math.min(rows - 1, committed + ((worker * 37 + i * 11) % batchSize));
        const response = await app.inject({
          method: 'POST',
          url: '/flows/race/sources/web/submit',
          headers: { authorization: `Bearer ${key}` },
          payload: { first_name: 'Live', email: `race${row}@example.com` },
        });
        answers.push(
          response.statusCode === 201 ? (response.json() as { outcome: string }).outcome : String(response.statusCode),
        );
      }
    };
    try {
      const importing = runImport(
        t.store,
        { ...t.config, batchSize },
        { file, flowId: 'race', sourceId: 'web', onProgress: (progress) => (committed = progress.committed_rows) },
      ).finally(() => (importDone = true));
      const [summary] = await Promise.all([importing, ...Array.from({ length: 20 }, (_, worker) => stream(worker))]);
      expect(summary.status).toBe('completed_with_errors');
      expect(answers.every((answer) => answer === 'success' || answer === 'failure')).toBe(true);
      const live = answers.filter((answer) => answer === 'success').length;
      expect(live).toBeGreaterThan(0);
      // Each address has exactly one lead: the import's row or the live submission that claimed it first.
      expect(summary.created + live).toBe(rows);
      expect(summary.failed).toBe(summary.duplicates);
      expect(summary.total).toBe(rows);
      const count = await t.store.db
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('flow_id', '=', 'race')
        .where('fields', 'like', '%race%')
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(rows);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
