import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type Migration,
  type MigrationProvider,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  type SqliteDatabase,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppError } from '../errors.js';
import * as initial from './migrations/0001-initial.js';
import * as templates from './migrations/0002-templates.js';
import * as access from './migrations/0003-access.js';
import * as leadCreationEvents from './migrations/0004-lead-creation-events.js';
import * as submittedFields from './migrations/0005-submitted-fields.js';
import * as duplicateOf from './migrations/0006-duplicate-of.js';
import * as notifications from './migrations/0007-notifications.js';
import * as importJobs from './migrations/0008-import-jobs.js';
import * as webSessions from './migrations/0009-web-sessions.js';
import * as importRouting from './migrations/0010-import-routing.js';
import * as importParts from './migrations/0011-import-parts.js';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Runs one statement compiled by Kysely for many parameter rows, synchronously on the store's single SQLite
 * connection, and returns the rows changed. Only inside a transaction, which holds that connection: it is
 * handed out by Store.transaction.
 * Imports insert thousands of rows a batch: one prepared statement run per row beats both Kysely compiling
 * a multi-row INSERT and SQLite preparing one with thousands of parameters.
 */
export interface RowWriter {
  run(sql: string, rows: readonly (readonly unknown[])[]): number;
  /** Runs a compiled single-row query for each parameter row and returns every row it selects. */
  all(sql: string, rows: readonly (readonly unknown[])[]): unknown[];
}

/** Where the store lives, as config.ts parsed it from DATABASE_URL (a Config is one). */
export type StoreTarget =
  | { readonly store: 'sqlite'; readonly sqlitePath: string }
  | { readonly store: 'postgres'; readonly databaseUrl: string };

/** An open store: the Kysely instance, which dialect it speaks, and transactions with the row writer. */
export interface Store {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /**
   * Runs `work` in a transaction, with the SQLite row writer (null on PostgreSQL): the only way to obtain the
   * writer, whose statements run on the connection the transaction holds.
   */
  transaction<T>(work: (trx: Transaction<DB>, writer: RowWriter | null) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The dialect a Kysely instance or transaction speaks, for the few queries that differ (JSON functions), so
 * services can take the database alone and still share a caller's transaction.
 */
export function dialectOf(db: Kysely<DB>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-templates': templates,
  '0003-access': access,
  '0004-lead-creation-events': leadCreationEvents,
  '0005-submitted-fields': submittedFields,
  '0006-duplicate-of': duplicateOf,
  '0007-notifications': notifications,
  '0008-import-jobs': importJobs,
  '0009-web-sessions': webSessions,
  '0010-import-routing': importRouting,
  '0011-import-parts': importParts,
};

const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

// SQLite: a deferred BEGIN that later writes can fail with SQLITE_BUSY despite the busy timeout when another
// process writes first; BEGIN IMMEDIATE takes the write lock up front and waits for it.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

// Kysely prepares every query afresh; batches repeat a handful of SQL shapes, so keep them prepared.
function statementCache(database: SQLite.Database, limit = 200): (sql: string) => SQLite.Statement {
  const statements = new Map<string, SQLite.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= limit) statements.clear();
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

/** Opens a better-sqlite3 database in WAL mode with a busy timeout, creating its folder. */
export function openSqliteFile(file: string): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('synchronous = NORMAL');
  // Imports touch several indexes per row; with SQLite's default 2 MB page cache their pages are evicted and
  // rewritten over and over (measured: 3x slower inserts). 32 MB keeps a batch's working set in memory.
  database.pragma('cache_size = -32768');
  return database;
}

/** Opens the store config.ts parsed from DATABASE_URL and applies migrations (unless told not to). */
export async function openStore(target: StoreTarget, options: { migrate?: boolean } = {}): Promise<Store> {
  const store = target.store === 'sqlite' ? openSqliteStore(target.sqlitePath) : openPostgresStore(target.databaseUrl);
  if (options.migrate !== false) {
    try {
      await migrate(store.db);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

function openSqliteStore(file: string): Store {
  const { db, rowWriter } = openSqlite<DB>(file);
  return {
    db,
    dialect: 'sqlite',
    transaction: (work) => db.transaction().execute((trx) => work(trx, rowWriter)),
    close: () => db.destroy(),
  };
}

/** Opens a SQLite file (or ":memory:") as a Kysely instance of any schema, with its row writer. */
export function openSqlite<T>(file: string): { db: Kysely<T>; rowWriter: RowWriter } {
  let database: SQLite.Database;
  try {
    database = openSqliteFile(file);
  } catch (error) {
    throw new AppError('storage_unavailable', `cannot open SQLite database ${file}: ${(error as Error).message}`);
  }
  const prepare = statementCache(database);
  const kyselyDatabase: SqliteDatabase = {
    close: () => database.close(),
    prepare: (sql) => prepare(sql) as unknown as SqliteStatement,
  };
  const db = new Kysely<T>({ dialect: new ImmediateSqliteDialect({ database: kyselyDatabase }) });
  const rowWriter: RowWriter = {
    run(sql, rows) {
      const statement = prepare(sql);
      let changes = 0;
      for (const row of rows) changes += statement.run(row as unknown[]).changes;
      return changes;
    },
    all(sql, rows) {
      const statement = prepare(sql);
      const found: unknown[] = [];
      for (const row of rows) for (const result of statement.all(row as unknown[])) found.push(result);
      return found;
    },
  };
  return { db, rowWriter };
}

// A transaction idle this long is ended by the server (unless the database or role sets its own): far longer
// than a batch waits between its statements, and it frees the locks of a worker that was paused (SIGSTOP) or
// cut off mid-batch, so the worker taking its import over is not kept waiting behind them. The paused
// worker's batch is rolled back (SQLSTATE 25P03).
const IDLE_IN_TRANSACTION_MS = 60_000;

function openPostgresStore(databaseUrl: string): Store {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 10_000,
  });
  // A connection the server ends (restart, pg_terminate_backend) emits 'error' on its client: on an idle
  // client the pool's handler sees it; on a checked-out one (between a transaction's statements) only the
  // client does, and an unhandled 'error' event would end the process. The query in flight fails with the
  // same error, the caller answers 503, and the pool discards the dead client when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    // Queued before the connection's first query; a timeout set on the database or role is kept.
    client
      .query(
        `select set_config('idle_in_transaction_session_timeout', '${IDLE_IN_TRANSACTION_MS}', false)
         where current_setting('idle_in_transaction_session_timeout') in ('0', '0ms')`,
      )
      .catch(() => undefined);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: copyingPool(pool) }) });
  return {
    db,
    dialect: 'postgres',
    transaction: (work) => db.transaction().execute((trx) => work(trx, null)),
    close: () => db.destroy(),
  };
}

/** The rows of a `COPY ... FROM STDIN` in COPY text (copy-text.ts): the only parameter of that statement. */
class CopyData {
  constructor(readonly text: string) {}
}

/**
 * The pool Kysely's PostgreSQL driver takes clients from. Kysely has no COPY and keeps a transaction's pg
 * client to itself, so the clients it gets recognise a statement whose parameter is CopyData and run it
 * as a COPY (pg-copy-streams) on their connection: a COPY issued through a transaction (copyInto) joins it
 * like any other statement, in order, and fails it like any other.
 */
function copyingPool(pool: pg.Pool): PostgresPool {
  const runCopy = async (client: pg.PoolClient, statement: string, data: CopyData) => {
    const copy = client.query(copyFrom(statement));
    copy.end(data.text);
    // Settles once the server answered the whole COPY (ReadyForQuery), or with its error.
    await finished(copy);
    return { command: 'COPY', rowCount: copy.rowCount, rows: [] } as unknown as PostgresQueryResult<never>;
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      const query = (statement: string, parameters: readonly unknown[]) =>
        parameters[0] instanceof CopyData
          ? runCopy(client, statement, parameters[0])
          : client.query(statement, parameters as unknown[]);
      // The driver's other form, query(cursor), serves streaming, which needs a cursor this dialect is not given.
      return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release() };
    },
    end: () => pool.end(),
  };
}

/**
 * PostgreSQL: `COPY table (columns) FROM STDIN` of `data` (rows in COPY text, copy-text.ts) on the
 * connection of the transaction `trx`, so the rows commit or roll back with it.
 */
export async function copyInto(
  trx: Transaction<DB>,
  table: string,
  columns: readonly string[],
  data: string,
): Promise<void> {
  if (dialectOf(trx) !== 'postgres') throw new Error('COPY is PostgreSQL only');
  const { sql: statement } =
    sql`copy ${sql.table(table)} (${sql.join(columns.map((column) => sql.ref(column)))}) from stdin`.compile(trx);
  await trx.executeQuery(CompiledQuery.raw(statement, [new CopyData(data)]));
}

/** True for a unique-constraint violation on either dialect (a row that already exists). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Applies every pending migration; the same migrations serve both dialects. */
export async function migrate(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('storage_unavailable', `database migration failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
