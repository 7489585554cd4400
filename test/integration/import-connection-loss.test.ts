import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const example = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as unknown;
const ROWS = 20_000;

describe.skipIf(!DIALECTS.includes('postgres'))('an import that loses its PostgreSQL connection', () => {
  let t: TestStore;
  let dir: string;
  let admin: pg.Client;
  beforeEach(async () => {
    t = await createTestStore('postgres');
    dir = tempDir();
    await applyFlow(t.store.db, example);
    // Connected beforehand, so terminating takes one round trip and lands while the next batch is written.
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.end();
    await t.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('retries the batch when its backends are terminated mid-import and stores every row exactly once', async () => {
    const file = path.join(dir, 'leads.csv');
    const lines = ['First Name,Email,State'];
    for (let i = 0; i < ROWS; i++) lines.push(`P${i},p${i}@loss.test,TX`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const database = new URL(t.url).pathname.slice(1);
    let termination: Promise<pg.QueryResult> | undefined;
    const summary = await runImport(t.store, t.config, {
      file,
      flowId: 'solar',
      sourceId: 'acme-media',
      onProgress: () => {
        termination ??= admin.query(
          'select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database],
        );
      },
    });
    expect((await termination)?.rows.some((row: { ended: boolean }) => row.ended)).toBe(true);
    expect(summary).toMatchObject({ status: 'completed', total: ROWS, created: ROWS, failed: 0, duplicates: 0 });
    const stored = await t.store.db
      .selectFrom('leads')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.count(eb.ref('fields')).distinct().as('distinct')])
      .executeTakeFirstOrThrow();
    expect([Number(stored.n), Number(stored.distinct)]).toEqual([ROWS, ROWS]);
    const imported = await t.store.db
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', summary.importId)
      .executeTakeFirstOrThrow();
    expect(imported).toMatchObject({
      status: 'completed',
      total: ROWS,
      created: ROWS,
      committed_rows: ROWS + 1,
      error: null,
    });
  });
});
