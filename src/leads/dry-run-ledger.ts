import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openSqlite, type RowWriter } from '../db/database.js';

interface LedgerDB {
  would_be_keys: { key: string; lead_id: string };
}

/**
 * The duplicate keys a dry run's would-be leads claimed in earlier batches. A dry run stores nothing, yet
 * must find duplicates within the whole file; keeping every key in a JS Map grows the heap with the file
 * (and ran out of it on a 50 MB file), and an in-memory SQLite table grows the process instead (324 MB RSS
 * for a 1M-row dry run). A SQLite table in a temporary file keeps at most its page cache in memory; the
 * file is removed on close.
 */
export class DryRunLedger {
  private constructor(
    private readonly dir: string,
    private readonly db: Kysely<LedgerDB>,
    private readonly writer: RowWriter,
    private readonly lookupSql: string,
    private readonly recordSql: string,
  ) {}

  static async open(): Promise<DryRunLedger> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-dry-run-'));
    const { db, rowWriter } = openSqlite<LedgerDB>(path.join(dir, 'ledger.db'));
    // A scratch file thrown away on close: no journal, no syncs, no other connection.
    await sql`pragma journal_mode = off`.execute(db);
    await sql`pragma synchronous = off`.execute(db);
    await sql`pragma locking_mode = exclusive`.execute(db);
    await db.schema
      .createTable('would_be_keys')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('lead_id', 'text', (c) => c.notNull())
      .execute();
    const lookup = db.selectFrom('would_be_keys').select(['key', 'lead_id']).where('key', '=', '').compile().sql;
    const record = db
      .insertInto('would_be_keys')
      .values({ key: '', lead_id: '' })
      .onConflict((oc) => oc.column('key').doNothing())
      .compile().sql;
    return new DryRunLedger(dir, db, rowWriter, lookup, record);
  }

  /**
   * The would-be lead owning each of the keys (of a duplicate scope: a routed file's rows go to several
   * flows, each with its own) that earlier batches claimed.
   */
  lookup(scope: string, keys: readonly string[]): Map<string, string> {
    const prefix = `${scope}\u0000`;
    const rows = this.writer.all(
      this.lookupSql,
      keys.map((key) => [prefix + key]),
    ) as { key: string; lead_id: string }[];
    return new Map(rows.map((row) => [row.key.slice(prefix.length), row.lead_id]));
  }

  /** Records the keys of a scope that this batch's would-be leads claimed. */
  record(scope: string, claims: readonly { key: string; leadId: string }[]): void {
    const prefix = `${scope}\u0000`;
    this.writer.run(
      this.recordSql,
      claims.map((claim) => [prefix + claim.key, claim.leadId]),
    );
  }

  /** The temporary folder holding the ledger's file while it is open. */
  get folder(): string {
    return this.dir;
  }

  async close(): Promise<void> {
    await this.db.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
