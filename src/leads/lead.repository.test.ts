import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type Dialect,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../db/schema.js';
import { lockDuplicateKeys } from './lead.repository.js';

/** A PostgreSQL Kysely that runs nothing and records the statements it was given. */
function recordingPostgres(): { db: Kysely<DB>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  const db = new Kysely<DB>({ dialect, log: (event) => void queries.push(event.query) });
  return { db, queries };
}

describe('lockDuplicateKeys', () => {
  it('takes one advisory lock per key in ascending order, so writers of overlapping keys queue instead of deadlocking', async () => {
    const { db, queries } = recordingPostgres();
    const keys = Array.from({ length: 50 }, (_, i) => `email=lead${i}@example.com`);
    // The same keys in two orders, as two concurrent batches might hold them, and a repeated key.
    await db.transaction().execute((trx) => lockDuplicateKeys(trx, [{ scope: 'flow:solar', keys }]));
    await db
      .transaction()
      .execute((trx) =>
        lockDuplicateKeys(trx, [{ scope: 'flow:solar', keys: [...keys].reverse().concat(keys[0] as string) }]),
      );
    const locked = queries
      .filter((query) => query.sql.includes('pg_advisory_xact_lock'))
      .map((query) => query.parameters[1] as number[]);
    expect(locked).toHaveLength(2);
    const [first, second] = locked as [number[], number[]];
    expect(first).toHaveLength(50);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(second).toEqual(first);
  });

  it("locks a routed batch's keys of several scopes in one sorted set, whatever the order of its parts", async () => {
    const { db, queries } = recordingPostgres();
    const solar = { scope: 'flow:solar', keys: ['email=a@x.com', 'email=b@x.com'] };
    const roofing = { scope: 'flow:roofing', keys: ['email=a@x.com'] };
    await db.transaction().execute((trx) => lockDuplicateKeys(trx, [solar, roofing]));
    await db.transaction().execute((trx) => lockDuplicateKeys(trx, [roofing, solar]));
    const locked = queries
      .filter((query) => query.sql.includes('pg_advisory_xact_lock'))
      .map((query) => query.parameters[1] as number[]);
    expect(locked).toHaveLength(2);
    const [first, second] = locked as [number[], number[]];
    expect(first).toHaveLength(3);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(second).toEqual(first);
  });
});
