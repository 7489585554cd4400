import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { safeCsvLines } from '../core/csv-safety.js';
import type { Scalar } from '../core/field-types.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { findFlowSpec } from '../flows/flow.repository.js';
import { findLeadsPage, type LeadFilter } from './lead.repository.js';

const PAGE = 5000;

/** A stored lead as exported: the public contract of `leadport leads export` (README). */
export interface ExportedLead {
  id: string;
  flowId: string;
  sourceId: string;
  fields: Record<string, Scalar>;
  createdAt: string;
}

async function* exportedLeads(db: Kysely<DB>, filter: LeadFilter): AsyncGenerator<ExportedLead[]> {
  let after: string | null = null;
  while (true) {
    const page = await findLeadsPage(db, filter, after, PAGE);
    if (page.length === 0) return;
    yield page.map((row) => ({
      id: row.id,
      flowId: row.flow_id,
      sourceId: row.source_id,
      fields: JSON.parse(row.fields) as Record<string, Scalar>,
      createdAt: row.created_at,
    }));
    after = page[page.length - 1]?.id ?? null;
    if (page.length < PAGE) return;
  }
}

async function write(out: Writable, text: string): Promise<void> {
  if (text && !out.write(text)) await once(out, 'drain');
}

/** Writes stored leads as JSON lines, page by page. Returns how many were written. */
export async function exportLeadsJsonLines(db: Kysely<DB>, filter: LeadFilter, out: Writable): Promise<number> {
  let count = 0;
  for await (const page of exportedLeads(db, filter)) {
    await write(out, `${page.map((lead) => JSON.stringify(lead)).join('\n')}\n`);
    count += page.length;
  }
  return count;
}

/**
 * Writes stored leads as CSV (UTF-8 with a BOM unless told not to): id, flow_id, source_id, created_at, then one column per field. With a flow
 * filter the columns are that flow's fields in order; otherwise the union of fields seen, in first-seen
 * order, which needs a first pass over the leads. Every cell, headers too, is made safe against formula
 * injection (core/csv-safety); numbers and E.164 phones stay as they are.
 */
export async function exportLeadsCsv(
  db: Kysely<DB>,
  filter: LeadFilter,
  out: Writable,
  options: { bom?: boolean } = {},
): Promise<number> {
  // A UTF-8 byte-order mark by default: without it Excel on Windows shows "José" as "JosÃ©".
  if (options.bom ?? true) await write(out, '\uFEFF');
  let fieldNames: string[];
  const flow = filter.flowId ? await findFlowSpec(db, filter.flowId) : undefined;
  if (flow) {
    fieldNames = flow.fields.map((field) => field.name);
  } else {
    const seen = new Set<string>();
    for await (const page of exportedLeads(db, filter))
      for (const lead of page) for (const name of Object.keys(lead.fields)) seen.add(name);
    fieldNames = [...seen];
  }
  await write(out, safeCsvLines([['id', 'flow_id', 'source_id', 'created_at', ...fieldNames]]));
  let count = 0;
  for await (const page of exportedLeads(db, filter)) {
    const rows = page.map((lead) => [
      lead.id,
      lead.flowId,
      lead.sourceId,
      lead.createdAt,
      ...fieldNames.map((name) => String(lead.fields[name] ?? '')),
    ]);
    await write(out, safeCsvLines(rows));
    count += page.length;
  }
  return count;
}
