import type { Kysely } from 'kysely';
import { openSqlite, type RowWriter } from '../db/database.js';

interface LedgerDB {
  would_be_keys: { key: string; lead_id: string };
}

/**
 * The duplicate keys a dry run's would-be leads claimed in earlier batches. A dry run stores nothing, yet
 * must find duplicates within the whole file; keeping every key in a JS Map grows the heap with the file
 * (and ran out of it on a 50 MB file). An in-memory SQLite table keeps them compactly outside the heap.
 */
export class DryRunLedger {
  private constructor(
    private readonly db: Kysely<LedgerDB>,
    private readonly writer: RowWriter,
    private readonly lookupSql: string,
    private readonly recordSql: string,
  ) {}

  static async open(): Promise<DryRunLedger> {
    const { db, rowWriter } = openSqlite<LedgerDB>(':memory:');
    await db.schema.createTable('would_be_keys').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('lead_id', 'text', (c) => c.notNull()).execute();
    const lookup = db.selectFrom('would_be_keys').select(['key', 'lead_id']).where('key', '=', '').compile().sql;
    const record = db.insertInto('would_be_keys').values({ key: '', lead_id: '' }).onConflict((oc) => oc.column('key').doNothing()).compile().sql;
    return new DryRunLedger(db, rowWriter, lookup, record);
  }

  /** The would-be lead owning each of the keys that earlier batches claimed. */
  lookup(keys: readonly string[]): Map<string, string> {
    const rows = this.writer.all(this.lookupSql, keys.map((key) => [key])) as { key: string; lead_id: string }[];
    return new Map(rows.map((row) => [row.key, row.lead_id]));
  }

  /** Records the keys this batch's would-be leads claimed. */
  record(claims: readonly { key: string; leadId: string }[]): void {
    this.writer.run(this.recordSql, claims.map((claim) => [claim.key, claim.leadId]));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
