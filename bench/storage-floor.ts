import { loadConfig } from '../src/config.js';
import { newId } from '../src/core/ids.js';
import { openStore } from '../src/db/database.js';
import type { LeadTable } from '../src/db/schema.js';

/**
 * The storage floor: what writing Leadport's rows costs without any pipeline work. For every row it
 * inserts what an accepted import row writes (a lead, which stands for the row's event, and its duplicate
 * key) with the same prepared statements and 2,000-row transactions on Leadport's real schema. Prints
 * `{ rows, ms }`.
 */
async function floor(rows: number, databaseUrl: string): Promise<void> {
  const store = await openStore(loadConfig({ DATABASE_URL: databaseUrl }));
  if (store.dialect !== 'sqlite') throw new Error('the storage floor is measured on SQLite');
  const now = new Date().toISOString();
  const fields = JSON.stringify({
    first_name: 'Maria',
    last_name: 'Garcia',
    email: 'maria.garcia@example.com',
    phone_1: '+15125550143',
    state: 'TX',
    postal_code: '78701',
    comments: 'Call after 5pm',
  });
  const raw = JSON.stringify({
    first_name: 'Maria',
    last_name: 'Garcia',
    email: 'maria.garcia@example.com',
    phone_1: '(512) 555-0143',
    state: 'TX',
    postal_code: '78701',
    comments: 'Call after 5pm',
  });
  const started = performance.now();
  for (let start = 0; start < rows; start += 2000) {
    await store.transaction(async (trx, writer) => {
      if (!writer) return;
      const leads: LeadTable[] = [];
      const keys: unknown[][] = [];
      for (let i = start; i < Math.min(rows, start + 2000); i++) {
        const id = newId();
        leads.push({
          id,
          flow_id: 'bench',
          source_id: 'bench-source',
          import_id: 'floor',
          row_number: i + 2,
          fields,
          raw,
          created_at: now,
          updated_at: now,
          duration_us: 10,
        });
        keys.push(['flow:bench', `email=lead${i}@example.com`, id, now]);
      }
      const first = leads[0];
      if (!first) return;
      writer.run(
        trx.insertInto('leads').values(first).compile().sql,
        leads.map((row) => Object.values(row)),
      );
      writer.run(
        trx.insertInto('duplicate_keys').values({ scope: '', key: '', lead_id: '', created_at: '' }).compile().sql,
        keys,
      );
    });
  }
  const ms = performance.now() - started;
  await store.close();
  process.stdout.write(`${JSON.stringify({ rows, ms })}\n`);
}

const [rows, databaseUrl] = process.argv.slice(2);
if (!rows || !databaseUrl) throw new Error('usage: storage-floor <rows> <sqlite:file>');
await floor(Number(rows), databaseUrl);
