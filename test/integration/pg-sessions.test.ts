import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/db/database.js';
import { createTestStore, DIALECTS } from '../helpers/stores.js';

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL sessions', () => {
  it('end a transaction left idle (a paused worker) after a minute, unless the database sets its own limit', async () => {
    const t = await createTestStore('postgres');
    try {
      const setting = async (url: string) => {
        const store = await openStore(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }), { migrate: false });
        try {
          const shown = await sql<{
            value: string;
          }>`select current_setting('idle_in_transaction_session_timeout') as value`.execute(store.db);
          return shown.rows[0]?.value;
        } finally {
          await store.close();
        }
      };
      expect(await setting(t.url)).toBe('1min');
      const database = new URL(t.url).pathname.slice(1);
      await sql`alter database ${sql.id(database)} set idle_in_transaction_session_timeout = '5s'`.execute(t.store.db);
      expect(await setting(t.url)).toBe('5s');
    } finally {
      await t.destroy();
    }
  });
});
