import { sql, type Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import { normalise, type Scalar } from '../core/field-types.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findFlowSpec } from '../flows/flow.repository.js';
import type { LeadDetail, LeadListQuery, LeadSummary } from './lead.schema.js';
import { leadFieldsFor, submissions, type SubmissionRow } from './submissions.query.js';

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/**
 * What was sent in the submissions of a page that stored nothing (rejected, errors): a real-time
 * submission's values by field, an import row's cells by its file's headers.
 */
async function sentValues(
  db: Kysely<DB>,
  rows: readonly SubmissionRow[],
): Promise<Map<string, Record<string, Scalar>>> {
  const unsaved = rows.filter((row) => row.fields === null && row.raw_row !== null);
  const importIds = [...new Set(unsaved.map((row) => row.import_id).filter((id): id is string => id !== null))];
  const headersOf = new Map<string, string[]>();
  if (importIds.length > 0) {
    for (const row of await db.selectFrom('imports').select(['id', 'columns']).where('id', 'in', importIds).execute())
      headersOf.set(row.id, JSON.parse(row.columns) as string[]);
  }
  const sent = new Map<string, Record<string, Scalar>>();
  for (const row of unsaved) {
    const raw = parseJson<unknown>(row.raw_row);
    if (Array.isArray(raw)) {
      const headers = headersOf.get(row.import_id ?? '') ?? [];
      sent.set(
        row.event_id,
        Object.fromEntries(raw.map((cell, index) => [headers[index] ?? `Column ${index + 1}`, String(cell)])),
      );
    } else if (raw && typeof raw === 'object') {
      sent.set(row.event_id, raw as Record<string, Scalar>);
    }
  }
  return sent;
}

function newestFirst(a: SubmissionRow, b: SubmissionRow): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.event_id < b.event_id ? 1 : a.event_id > b.event_id ? -1 : 0;
}

/**
 * The leads view: every submission (real-time or batch row) newest first, with its outcome and reason and,
 * for stored leads, the values the caller may see. A source sees only its own. A page of events and a page
 * of import-created leads (submissions.query.ts), merged.
 */
export async function listLeads(
  db: Kysely<DB>,
  principal: Principal,
  query: LeadListQuery,
): Promise<{ items: LeadSummary[]; next: string | null }> {
  let before: { createdAt: string; id: string } | null = null;
  if (query.before) {
    const [createdAt, id] = query.before.split('|');
    if (!createdAt || !id)
      throw new AppError('validation_failed', 'before: not a cursor from a previous page', { field: 'before' });
    before = { createdAt, id };
  }
  const found = await submissions(db, principal, {
    flowId: query.flowId,
    sourceId: query.sourceId,
    outcome: query.outcome,
    from: query.from ? new Date(query.from).toISOString() : null,
    to: query.to ? new Date(query.to).toISOString() : null,
    search: query.q ? `%${escapeLike(query.q.toLowerCase())}%` : null,
    page: { limit: query.limit + 1, before },
    values: true,
  })
    .selectAll()
    .execute();
  const rows = found.sort(newestFirst);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const sent = await sentValues(db, page);
  return {
    items: page.map((row) => ({
      id: row.lead_id ?? row.event_id,
      flowId: row.flow_id,
      sourceId: row.source_id,
      outcome: row.outcome as LeadSummary['outcome'],
      action: row.action,
      reason: row.reason,
      importId: row.import_id,
      rowNumber: row.row_number,
      fields: parseJson<Record<string, Scalar>>(row.fields) ?? sent.get(row.event_id) ?? null,
      submittedAt: row.created_at,
    })),
    next: rows.length > query.limit && last ? `${last.created_at}|${last.event_id}` : null,
  };
}

/**
 * One lead: stored values, raw values, each field's normalised detail (raw, normal, valid, parts), and its
 * events. A rejected submission is found by its lead ID too (stored: false). Another source's lead is 404.
 */
export async function getLead(db: Kysely<DB>, principal: Principal, leadId: string): Promise<LeadDetail> {
  const asSource = principal.kind === 'source' ? principal.sourceId : null;
  const lead = await db
    .selectFrom('leads')
    .select(['id', 'flow_id', 'source_id', 'import_id', 'row_number', 'raw', 'created_at', 'updated_at'])
    // A source is shown the values it sent, not what other sources' duplicates added to the stored lead.
    .select(leadFieldsFor(principal).as('fields'))
    .where('id', '=', leadId)
    .executeTakeFirst();
  // The lead's history: its creation first (an import row's is the lead itself), then its events in time order.
  const events = await submissions(db, principal, { leadId })
    .selectAll()
    .orderBy(sql`case when s.action = 'created' then 0 else 1 end`)
    .orderBy('created_at')
    .orderBy('event_id')
    .execute();
  const first = events[0];
  const owner = lead?.source_id ?? first?.source_id;
  if (!owner || (asSource !== null && asSource !== owner))
    throw new AppError('not_found', `no lead with id "${leadId}"`);
  const flowId = lead?.flow_id ?? first?.flow_id ?? '';
  const raw = parseJson<Record<string, unknown>>(lead?.raw ?? null) ?? rawOfEvent(first?.raw_row ?? null);
  const spec = await findFlowSpec(db, flowId);
  const values: LeadDetail['values'] = {};
  for (const field of spec?.fields ?? []) {
    const text = raw[field.name];
    if (typeof text !== 'string' || text === '') continue;
    values[field.name] = normalise(field.type, text, {
      phoneRegion: spec?.defaultPhoneRegion ?? 'US',
      choices: field.choices,
    });
  }
  return {
    id: leadId,
    flowId,
    sourceId: owner,
    stored: lead !== undefined,
    importId: lead?.import_id ?? first?.import_id ?? null,
    rowNumber: lead?.row_number ?? first?.row_number ?? null,
    fields: parseJson<Record<string, Scalar>>(lead?.fields ?? null) ?? {},
    raw,
    values,
    createdAt: lead?.created_at ?? first?.created_at ?? '',
    updatedAt: lead?.updated_at ?? first?.created_at ?? '',
    events: events.map((event) => ({
      outcome: event.outcome,
      action: event.action,
      reason: event.reason,
      importId: event.import_id,
      rowNumber: event.row_number,
      durationUs: event.duration_us,
      createdAt: event.created_at,
    })),
  };
}

// A rejected real-time submission keeps its mapped values as an object; a batch row its cells as an array.
function rawOfEvent(rawRow: string | null): Record<string, unknown> {
  const parsed = parseJson<unknown>(rawRow);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}
