import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileFlow } from '../../src/core/pipeline.js';
import type { FlowDefinition } from '../../src/flows/flow.schema.js';
import { requireFlow } from '../../src/flows/flow.service.js';
import { findImport, insertImport, newImportRow } from '../../src/imports/import.repository.js';
import { ENDED_STATES, type ImportState } from '../../src/imports/import-state.js';
import { evaluatedSubmission } from '../../src/leads/lead.service.js';
import { SubmissionQueue } from '../../src/leads/submission-queue.js';
import type { TestStore } from './stores.js';

// Lead files whose rows share duplicate keys far apart, spelled differently, and what an import of them
// decided, row by row: to compare an import split into parts with the same import run as one.

const solar = JSON.parse(
  fs.readFileSync(new URL('../../examples/solar-flow.json', import.meta.url), 'utf8'),
) as FlowDefinition;

const HEADER = ['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Roof type', 'Comments'];
const MAPPING = ['first_name', 'last_name', 'email', 'phone_1', 'state', 'postal_code', 'roof_type', 'comments'];

export type Duplicates = NonNullable<FlowDefinition['duplicates']>;

/** The solar flow (plus comments) under another id and duplicate policy. */
export function flowDefinition(id: string, duplicates: Duplicates): FlowDefinition {
  return { ...solar, id, name: id, fields: [...solar.fields, { name: 'comments' }], duplicates };
}

/** A small deterministic random generator (mulberry32), so every run writes the same file. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The e-mail of lead `k` of a file family, spelled one of three ways that normalise alike. */
export function spelled(k: number, tag: string, spelling: number): string {
  if (spelling < 1 / 3) return `Lead${k}.${tag}@Example.com`;
  if (spelling < 2 / 3) return `  lead${k}.${tag}@example.com `;
  return `LEAD${k}.${tag.toUpperCase()}@EXAMPLE.COM`;
}

/**
 * Writes a CSV of `rows` leads whose e-mails come from a pool of `pool` keys, the low ones repeated many
 * times far apart, spelled three ways; with blank and invalid e-mails, refused states, ragged rows, and
 * blank phones and comments (so update and merge chains depend on the order of a key's rows). Returns the
 * file and the keys (normalised e-mails) of the rows the flow's criteria accept.
 */
export function writeLeads(dir: string, tag: string, seed: number, rows: number, pool = 900) {
  const next = random(seed);
  const lastNames = ['Lee', 'Diaz', 'Khan', 'Smith', '', 'Nguyen'];
  const zips = ['78701', '78702', '85001', '90001', '73301'];
  const roofs = ['tile', 'metal', 'shingle', ''];
  const accepted = new Set<string>();
  const lines = [HEADER.join(',')];
  for (let index = 1; index <= rows; index++) {
    const k = Math.floor(pool * next() ** 2);
    const kind = next();
    let email = spelled(k, tag, next());
    let state = ['TX', 'CA', 'AZ'][index % 3] as string;
    if (kind < 0.04) email = '';
    else if (kind < 0.09) email = `lead${k}.${tag}@`;
    else if (kind < 0.14) state = 'NY';
    const cells = [
      `Ann${index}`,
      lastNames[index % lastNames.length],
      email,
      next() < 0.3 ? '' : `512-555-${String(index % 10_000).padStart(4, '0')}`,
      state,
      zips[Math.floor(next() * zips.length)],
      roofs[Math.floor(next() * roofs.length)],
      next() < 0.3 ? '' : `row ${index}`,
    ];
    // A ragged row (a cell too many): an error row, whatever its key.
    if (index % 97 === 0) cells.push('extra');
    else if (kind >= 0.14) accepted.add(email.trim().toLowerCase());
    lines.push(cells.join(','));
  }
  const file = path.join(dir, `leads-${tag}-${seed}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, accepted };
}

/** Records a local-file import into a flow, queued (what `POST /api/imports/:id/start` leaves). */
export async function queuedImport(t: TestStore, file: string, flowId: string): Promise<string> {
  const id = `imp-${Math.random().toString(36).slice(2, 10)}`;
  await insertImport(
    t.store.db,
    newImportRow({
      id,
      flow_id: flowId,
      source_id: 'acme-media',
      file_name: path.basename(file),
      file_path: file,
      file_size: fs.statSync(file).size,
      format: 'csv',
      options: JSON.stringify({ format: 'csv', encoding: 'utf-8', delimiter: ',', hasHeader: true, sheet: null }),
      columns: JSON.stringify(HEADER),
      mapping: JSON.stringify(MAPPING),
      status: 'queued',
    }),
  );
  return id;
}

/** Stores the same real-time leads into a flow before its import: keys the import's rows meet stored. */
export async function seedLeads(t: TestStore, flowId: string, tag: string): Promise<void> {
  const queue = new SubmissionQueue(t.store);
  const flow = compileFlow(await requireFlow(t.store.db, flowId));
  const context = { flow, sourceId: 'acme-media', importId: null };
  for (let k = 0; k < 60; k += 4) {
    const raw = { first_name: `Seed${k}`, email: `lead${k}.${tag}@example.com`, state: 'TX', comments: 'seeded' };
    await queue.submit(context, evaluatedSubmission(null, raw, flow.evaluate(raw, 'acme-media'), 1));
  }
}

/**
 * Everything an import decided, in terms that do not depend on generated ids: per row its outcome,
 * action, reason and the lead it created or met (a lead named by the row that created it, or by its
 * e-mail for a seeded one), the flow's final leads by that name, and the import's counts.
 */
export async function importResults(t: TestStore, importId: string) {
  const row = await findImport(t.store.db, importId);
  if (!row) throw new Error(`no import ${importId}`);
  const leads = await t.store.db
    .selectFrom('leads')
    .select(['id', 'import_id', 'row_number', 'fields'])
    .where('flow_id', '=', row.flow_id as string)
    .execute();
  const nameOf = new Map<string, string>();
  for (const lead of leads)
    nameOf.set(
      lead.id,
      lead.import_id === importId
        ? `row ${lead.row_number}`
        : `seed ${(JSON.parse(lead.fields) as { email: string }).email}`,
    );
  // A failed row's event carries its own id as lead id: no lead.
  const name = (id: string | null) => (id === null ? null : (nameOf.get(id) ?? 'no lead'));
  const rows = new Map<number, unknown>();
  const seen: number[] = [];
  for (const lead of leads)
    if (lead.import_id === importId) {
      seen.push(lead.row_number as number);
      rows.set(lead.row_number as number, { outcome: 'success', action: 'created', reason: null, lead: 'itself' });
    }
  const events = await t.store.db
    .selectFrom('events')
    .select(['row_number', 'outcome', 'action', 'reason', 'duplicate', 'lead_id', 'duplicate_of', 'duplicate_key'])
    .where('import_id', '=', importId)
    .execute();
  for (const event of events) {
    seen.push(event.row_number as number);
    rows.set(event.row_number as number, {
      outcome: event.outcome,
      action: event.action,
      reason: event.reason,
      duplicate: event.duplicate,
      lead: name(event.lead_id),
      duplicateOf: name(event.duplicate_of),
      duplicateKey: event.duplicate_key,
    });
  }
  const finalLeads = Object.fromEntries(
    leads.map((lead) => [name(lead.id), JSON.parse(lead.fields) as Record<string, unknown>]),
  );
  const { status, total, created, updated, unchanged, failed, duplicates } = row;
  return {
    counts: { status, total, created, updated, unchanged, failed, duplicates },
    rows: Object.fromEntries([...rows].sort(([a], [b]) => a - b)),
    rowNumbers: seen.sort((a, b) => a - b),
    finalLeads,
  };
}

/** Every data row of a file of `rows` rows, once: record numbers 2..rows+1. */
export function everyRow(rows: number): number[] {
  return Array.from({ length: rows }, (_, index) => index + 2);
}

export async function waitForEnd(t: TestStore, importId: string): Promise<string> {
  for (let tries = 0; tries < 2400; tries++) {
    const row = await findImport(t.store.db, importId);
    if (row && ENDED_STATES.includes(row.status as ImportState)) return row.status;
    await sleep(50);
  }
  throw new Error(`import ${importId} did not end`);
}
