import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { LeadTable } from '../../src/db/schema.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { applyFlow } from '../../src/flows/flow.service.js';
import { runImport } from '../../src/imports/import.service.js';
import { insertLeads } from '../../src/leads/lead.repository.js';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

// PostgreSQL stores a batch of 100 rows or more through COPY and a staging table, a smaller one with one
// INSERT over arrays (lead.repository.ts). Both must store exactly the same rows.

const FLOW: FlowDefinition = {
  id: 'copy',
  name: 'COPY',
  defaultPhoneRegion: 'US',
  fields: [
    { name: 'first_name', required: true },
    { name: 'last_name' },
    { name: 'email', type: 'email', required: true },
    { name: 'company' },
    { name: 'comments' },
  ],
  acceptance: { all: [{ field: 'email', op: 'format is valid' }] },
  duplicates: { keys: ['email'], action: 'update' },
  sources: [{ id: 'vendor', name: 'Vendor' }],
};

/** Values that mean something to COPY's text format, to CSV, to JSON, or to nobody in particular. */
const AWKWARD = [
  'tab\there',
  'two\nlines',
  'crlf\r\nline',
  'back\\slash \\N \\t \\. \\\\',
  '\\.',
  '\\N',
  'say "hello", ok',
  "O'Brien",
  'José Müller – 北京 – 👩‍👩‍👧 – عربى – e\u0301',
  '',
  '   ',
  '=1+2',
  '{"json": [1, "two", null]}',
  '\u00a0no-break\u200bzero-width',
  'bell\u0007 backspace\b form\f vertical\u000b',
  'x'.repeat(32_767),
  // Longer than a cell may be: the row is an error row, and its cells are stored as its failed record.
  'y\\\t'.repeat(12_000),
];

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value.trim() !== value ? `"${value.replaceAll('"', '""')}"` : value;
}

const HEADER = 'First Name,Last Name,Email,Company,Notes';

/** Leads stored before the awkward file, which updates them: fewer than 100, so never through COPY. */
function earlierCsv(dir: string): string {
  const lines = [HEADER];
  for (let index = 7; index < 400; index += 7) lines.push(`E${index},Earlier,person${index}@example.com,Old Co,old`);
  const file = path.join(dir, 'earlier.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * 400 rows: every third e-mail invalid (an event with the row's cells), some repeated within the file or
 * matching an earlier lead (update events), and some cells too long to be a value (error rows).
 */
function awkwardCsv(dir: string): string {
  const lines = [HEADER];
  for (let index = 0; index < 400; index++) {
    // Each column steps through the values at its own pace, so that they meet in many combinations.
    const round = Math.floor(index / AWKWARD.length);
    const awkward = (column: number) => AWKWARD[(index + column * round) % AWKWARD.length] as string;
    const email =
      index % 3 === 0
        ? `not an email ${awkward(3)}`
        : index % 11 === 5
          ? `person${index - 5}@example.com`
          : `person${index}@example.com`;
    lines.push([`F${index}`, awkward(1), email, awkward(2), awkward(4)].map(csvCell).join(','));
  }
  const file = path.join(dir, 'awkward.csv');
  fs.writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

/** The connection-owned staging tables COPY went through, if any batch used them. */
async function stagingTables(t: TestStore): Promise<string[]> {
  const { rows } = await sql<{
    relname: string;
  }>`select relname from pg_class where relpersistence = 't' and relname like 'leadport_staging_%' order by relname`.execute(
    t.store.db,
  );
  return rows.map((row) => row.relname);
}

/**
 * The leads in the store and the events of an import, with ids, import ids and times replaced by what they
 * point at, so that two stores compare.
 */
async function storedRows(t: TestStore, importId: string) {
  const rows = await t.store.db
    .selectFrom('leads')
    .select(['id', 'import_id', 'row_number', 'flow_id', 'source_id', 'fields', 'raw'])
    .orderBy('import_id')
    .orderBy('row_number')
    .execute();
  const leads = rows.map(({ id: _id, import_id, ...lead }) => ({ ...lead, byThisImport: import_id === importId }));
  const rowOf = new Map(
    rows.map((lead) => [lead.id, `${lead.import_id === importId ? 'this' : 'earlier'} import, row ${lead.row_number}`]),
  );
  const events = await t.store.db
    .selectFrom('events')
    .selectAll()
    .where('import_id', '=', importId)
    .orderBy('row_number')
    .execute();
  return {
    leads,
    events: events.map(
      ({ id: _id, import_id: _import, created_at: _at, duration_us: _us, lead_id, duplicate_of, ...event }) => ({
        ...event,
        lead: lead_id === null ? null : rowOf.get(lead_id),
        duplicateOf: duplicate_of === null ? null : rowOf.get(duplicate_of),
      }),
    ),
  };
}

function leadRow(index: number, values: Partial<LeadTable> = {}): LeadTable {
  const text = AWKWARD[index % AWKWARD.length] as string;
  return {
    id: newId(),
    flow_id: 'copy',
    source_id: index % 5 === 0 ? '' : 'vendor',
    import_id: index % 4 === 0 ? null : index % 4 === 1 ? '' : 'import',
    row_number: index % 6 === 0 ? null : index,
    fields: JSON.stringify({ comments: text, n: index }),
    // Raw column text, not JSON: every character COPY treats specially, unescaped, and a lone surrogate.
    raw: index % 7 === 0 ? '\ud800 lone' : text,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    duration_us: index % 3 === 0 ? null : index,
    ...values,
  };
}

describe.skipIf(!DIALECTS.includes('postgres'))('COPY on PostgreSQL', () => {
  let stores: TestStore[] = [];
  let dir: string;
  const postgresStore = async () => {
    const t = await createTestStore('postgres');
    stores.push(t);
    await applyFlow(t.store.db, FLOW);
    return t;
  };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const t of stores) await t.destroy();
    stores = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an import stores awkward values through COPY exactly as through INSERT', async () => {
    const file = awkwardCsv(dir);
    const copied = await postgresStore();
    const inserted = await postgresStore();
    const importOn = (t: TestStore, batchSize: number, from = file) =>
      runImport(t.store, { ...t.config, batchSize }, { file: from, flowId: 'copy', sourceId: 'vendor' });
    for (const t of [copied, inserted]) await importOn(t, 1000, earlierCsv(dir));
    // One batch of 400 rows: its leads and its events are both over the COPY threshold.
    const viaCopy = await importOn(copied, 1000);
    // Batches of 50 rows: never enough for COPY.
    const viaInsert = await importOn(inserted, 50);
    expect(await stagingTables(copied)).toEqual(['leadport_staging_events', 'leadport_staging_leads']);
    expect(await stagingTables(inserted)).toEqual([]);

    const { importId: _a, durationMs: _aMs, ...copiedSummary } = viaCopy;
    const { importId: _b, durationMs: _bMs, ...insertedSummary } = viaInsert;
    expect(copiedSummary).toEqual(insertedSummary);
    const stored = await storedRows(copied, viaCopy.importId);
    expect(stored.leads.filter((lead) => lead.byThisImport).length).toBeGreaterThanOrEqual(100);
    expect(stored.events.length).toBeGreaterThanOrEqual(100);
    expect(stored).toEqual(await storedRows(inserted, viaInsert.importId));

    // And what was stored is what the file held, character for character.
    const notes = stored.leads
      .filter((lead) => lead.byThisImport)
      .map((lead) => (JSON.parse(lead.raw) as { comments: string }).comments);
    for (const value of AWKWARD.slice(0, -1)) expect(notes).toContain(value);
    const cells = stored.events.flatMap((event) => (event.raw_row ? (JSON.parse(event.raw_row) as string[]) : []));
    expect(cells).toContain(AWKWARD.at(-1));
    const updates = stored.events.filter((event) => event.action === 'updated');
    expect(updates.some((event) => event.previous !== null && event.lead?.startsWith('earlier'))).toBe(true);
    expect(updates.some((event) => event.previous === null && event.lead?.startsWith('this'))).toBe(true);
  });

  it('stores a large batch through COPY column for column as a small one through arrays', async () => {
    const t = await postgresStore();
    const rows = Array.from({ length: 150 }, (_, index) => leadRow(index));
    await t.store.transaction((trx) => insertLeads(trx, null, rows));
    const copied = await t.store.db.selectFrom('leads').selectAll().orderBy('id').execute();
    expect(await stagingTables(t)).toEqual(['leadport_staging_leads']);

    const again = rows.map((row, index) => ({ ...row, id: `${row.id}-${index}` }));
    await t.store.db.deleteFrom('leads').execute();
    for (let start = 0; start < again.length; start += 50)
      await t.store.transaction((trx) => insertLeads(trx, null, again.slice(start, start + 50)));
    const inserted = await t.store.db.selectFrom('leads').selectAll().orderBy('id').execute();

    expect(copied.map(({ id: _id, ...row }) => row)).toEqual(inserted.map(({ id: _id, ...row }) => row));
    // The lone surrogate is replaced on the way to UTF-8, by either path; everything else arrives unchanged.
    const expected = rows.map((row) => ({ ...row, raw: Buffer.from(row.raw).toString('utf8') }));
    expect(copied).toEqual(expected);
  });

  it('moves each part of a batch once when one transaction stores several', async () => {
    const t = await postgresStore();
    const first = Array.from({ length: 120 }, (_, index) => leadRow(index));
    const second = Array.from({ length: 130 }, (_, index) => leadRow(index));
    await t.store.transaction(async (trx) => {
      await insertLeads(trx, null, first);
      await insertLeads(trx, null, second);
    });
    const ids = (await t.store.db.selectFrom('leads').select('id').execute()).map((row) => row.id).sort();
    expect(ids).toEqual([...first, ...second].map((row) => row.id).sort());
  });

  it('a batch that fails in its COPY or its move stores nothing, and the next batch is stored', async () => {
    const t = await postgresStore();
    const count = async () => (await t.store.db.selectFrom('leads').select('id').execute()).length;
    // Refused by COPY itself: the staging table keeps the leads table's NOT NULL.
    const refused = Array.from({ length: 150 }, (_, index) =>
      leadRow(index, index === 120 ? ({ raw: null } as unknown as LeadTable) : {}),
    );
    await expect(t.store.transaction((trx) => insertLeads(trx, null, refused))).rejects.toMatchObject({
      code: '23502',
    });
    // Refused by the move: the same id twice.
    const twice = Array.from({ length: 150 }, (_, index) => leadRow(index));
    twice.push({ ...(twice[0] as LeadTable) });
    await expect(t.store.transaction((trx) => insertLeads(trx, null, twice))).rejects.toMatchObject({
      code: '23505',
    });
    // Rolled back after a COPY that succeeded.
    await expect(
      t.store.transaction(async (trx) => {
        await insertLeads(
          trx,
          null,
          Array.from({ length: 150 }, (_, index) => leadRow(index)),
        );
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count()).toBe(0);

    const stored = Array.from({ length: 150 }, (_, index) => leadRow(index));
    await t.store.transaction((trx) => insertLeads(trx, null, stored));
    expect(await count()).toBe(150);
  });
});
