import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/auth.service.js';
import type { Dialect, Store } from '../../src/db/database.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { createApp } from '../../src/http/app.js';
import { createTestStore, DIALECTS, type TestStore } from '../helpers/stores.js';

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

/**
 * Makes every insert into `leads` fail while the `fail_lead_writes` table has a row: a storage error in the
 * middle of a submission, after its Idempotency-Key was claimed.
 */
async function installLeadWriteFailure(
  store: Store,
  dialect: Dialect,
): Promise<{ on: () => Promise<void>; off: () => Promise<void> }> {
  await sql`create table fail_lead_writes (x integer)`.execute(store.db);
  if (dialect === 'sqlite') {
    await sql`create trigger fail_lead_writes before insert on leads when exists (select 1 from fail_lead_writes) begin select raise(abort, 'injected storage failure'); end`.execute(
      store.db,
    );
  } else {
    await sql`create function fail_lead_writes() returns trigger language plpgsql as $$ begin if exists (select 1 from fail_lead_writes) then raise exception 'injected storage failure'; end if; return new; end $$`.execute(
      store.db,
    );
    await sql`create trigger fail_lead_writes before insert on leads for each row execute function fail_lead_writes()`.execute(
      store.db,
    );
  }
  return {
    on: async () => void (await sql`insert into fail_lead_writes (x) values (1)`.execute(store.db)),
    off: async () => void (await sql`delete from fail_lead_writes`.execute(store.db)),
  };
}

for (const dialect of DIALECTS) {
  describe(`real-time submission over HTTP on ${dialect}`, () => {
    let t: TestStore;
    let app: FastifyInstance;
    let adminKey = '';
    let sourceKey = '';

    const submit = (payload: object | string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/flows/solar/sources/acme-media/submit',
        headers: { authorization: `Bearer ${sourceKey}`, ...headers },
        payload,
      });

    beforeAll(async () => {
      t = await createTestStore(dialect);
      await applyFlow(t.store.db, solar);
      adminKey = (await createApiKey(t.store.db, { kind: 'admin' })).key;
      sourceKey = (await createApiKey(t.store.db, { kind: 'source', sourceId: 'acme-media' })).key;
      app = await createApp({ config: t.config, store: t.store });
    });
    afterAll(async () => {
      await app.close();
      await t.destroy();
    });

    it('reads a form-encoded body as a flat record of strings, a repeated key keeping its last value', async () => {
      const response = await submit(
        'first_name=Ann&first_name=Bea&email=bea.form%40example.com&state=Texas&postal_code=02134',
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      expect(response.statusCode).toBe(201);
      const { lead } = response.json() as { lead: { id: string } };
      const stored = await t.store.db
        .selectFrom('leads')
        .select(['fields', 'raw'])
        .where('id', '=', lead.id)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(stored.fields)).toEqual({
        first_name: 'Bea',
        email: 'bea.form@example.com',
        state: 'TX',
        postal_code: '02134',
      });
      expect(JSON.parse(stored.raw)).toEqual({
        first_name: 'Bea',
        email: 'bea.form@example.com',
        state: 'Texas',
        postal_code: '02134',
      });
    });

    it('uses a flow changed with PUT /api/flows/:id for the very next submission', async () => {
      const before = await submit({ first_name: 'Ned', email: 'ned.cache@example.com', state: 'NY' });
      expect(before.json()).toMatchObject({ outcome: 'failure', reason: 'state must be one of TX, CA, AZ' });
      // The flow is now cached (two seconds); accepting New York must take effect at once all the same.
      const acceptance = {
        all: [
          { field: 'email', op: 'format is valid' },
          { field: 'state', op: 'is included in', value: ['TX', 'CA', 'AZ', 'NY'] },
        ],
      };
      const put = await app.inject({
        method: 'PUT',
        url: '/api/flows/solar',
        headers: { authorization: `Bearer ${adminKey}` },
        payload: { ...solar, acceptance },
      });
      expect(put.statusCode).toBe(200);
      const after = await submit({ first_name: 'Ned', email: 'ned.cache@example.com', state: 'NY' });
      expect(after.json()).toMatchObject({ outcome: 'success' });
    });

    it('frees the Idempotency-Key of a submission that failed in storage, so the retry is processed', async () => {
      const failure = await installLeadWriteFailure(t.store, dialect);
      const body = { first_name: 'Ida', email: 'ida.retry@example.com', state: 'TX' };
      const headers = { 'idempotency-key': 'fails-once' };
      await failure.on();
      const failed = await submit(body, headers);
      await failure.off();
      expect(failed.statusCode).toBe(500);
      expect(
        await t.store.db.selectFrom('idempotency_keys').select('key').where('key', '=', 'fails-once').execute(),
      ).toEqual([]);
      const retried = await submit(body, headers);
      expect(retried.statusCode).toBe(201);
      expect(retried.json()).toMatchObject({ outcome: 'success' });
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      const stored = await t.store.db
        .selectFrom('leads')
        .select('id')
        .where('fields', 'like', '%ida.retry@example.com%')
        .execute();
      expect(stored).toEqual([{ id: (retried.json() as { lead: { id: string } }).lead.id }]);
    });
  });
}
