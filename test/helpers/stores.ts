import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { openStore, type Dialect, type Store } from '../../src/db/database.js';

/** A store for one test, with the URL it lives at and a way to remove it. */
export interface TestStore {
  readonly store: Store;
  readonly url: string;
  readonly config: Config;
  destroy(): Promise<void>;
}

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The dialects integration tests run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const DIALECTS: readonly Dialect[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

if (!postgresUrl && !process.env.LEADPORT_QUIET_SKIP) {
  process.env.LEADPORT_QUIET_SKIP = '1';
  console.log('PostgreSQL integration tests skipped: set TEST_DATABASE_URL=postgres://... to run them');
}

/** A temporary folder removed after the test run. */
export function tempDir(prefix = 'leadport-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Creates an empty store, migrated unless told not to: a new SQLite file, or a new PostgreSQL database. */
export async function createTestStore(
  dialect: Dialect,
  env: Record<string, string> = {},
  options: { migrate?: boolean } = {},
): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dir = tempDir();
    const url = `sqlite:${path.join(dir, 'test.db')}`;
    const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', ...env });
    const store = await openStore(config, options);
    return {
      store,
      url,
      config,
      destroy: async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `leadport_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const config = loadConfig({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', ...env });
  const store = await openStore(config, options);
  return {
    store,
    url: url.toString(),
    config,
    destroy: async () => {
      await store.close();
      const cleanup = new pg.Client({ connectionString: postgresUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
