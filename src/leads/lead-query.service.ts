import { sql, type RawBuilder } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import { normalise, type Scalar } from '../core/field-types.js';
import type { Dialect, Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { findFlowSpec } from '../flows/flow.repository.js';
import type { LeadDetail, LeadListQuery, LeadSummary } from './lead.schema.js';

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/**
 * The values a lead's creator sent: the lead's fields before another source first updated or merged into it
 * (that update kept them as `previous`), or its fields when no other source ever did. A source is shown
 * these, never what another source's duplicate added to the stored lead.
 */
function creatorFields(lead: 'l' | 'leads'): RawBuilder<string | null> {
  return sql<string | null>`coalesce((
    select p.previous from events p
    where p.lead_id = ${sql.ref(`${lead}.id`)} and p.source_id <> ${sql.ref(`${lead}.source_id`)} and p.previous is not null
    order by p.created_at, p.id limit 1
  ), ${sql.ref(`${lead}.fields`)})`;
}

/** What a source sees of one of its submissions (events joined with their lead as `l`): only its own values. */
const ownSubmissionFields = sql<string | null>`case
  when e.action in ('updated', 'merged') then e.fields
  when l.source_id = e.source_id then ${creatorFields('l')}
  else null end`;

/**
 * True when one of the values (not the keys) of a JSON object or array matches a LIKE pattern, on either
 * dialect: searching "email" must not find every lead that has an email field.
 */
function jsonValueLike(dialect: Dialect, json: RawBuilder<string | null>, pattern: string): RawBuilder<boolean> {
  if (dialect === 'sqlite') {
    return sql<boolean>`exists (select 1 from json_each(${json}) j where lower(j.value) like ${pattern} escape '\\')`;
  }
  return sql<boolean>`exists (
    select 1 from (select cast(${json} as jsonb) as doc) d,
    lateral (
      select value from jsonb_each_text(case when jsonb_typeof(d.doc) = 'object' then d.doc else '{}'::jsonb end)
      union all
      select value from jsonb_array_elements_text(case when jsonb_typeof(d.doc) = 'array' then d.doc else '[]'::jsonb end)
    ) v
    where lower(v.value) like ${pattern} escape '\\')`;
}

interface SubmissionRow {
  event_id: string;
  lead_id: string | null;
  flow_id: string;
  source_id: string;
  outcome: string;
  action: string;
  reason: string | null;
  import_id: string | null;
  row_number: number | null;
  created_at: string;
  fields: string | null;
  raw_row: string | null;
}

/**
 * What was sent in the submissions of a page that stored nothing (rejected, errors): a real-time
 * submission's values by field, an import row's cells by its file's headers.
 */
async function sentValues(store: Store, rows: readonly SubmissionRow[]): Promise<Map<string, Record<string, Scalar>>> {
  const unsaved = rows.filter((row) => row.fields === null && row.raw_row !== null);
  const importIds = [...new Set(unsaved.map((row) => row.import_id).filter((id): id is string => id !== null))];
  const headersOf = new Map<string, string[]>();
  if (importIds.length > 0) {
    for (const row of await store.db.selectFrom('imports').select(['id', 'columns']).where('id', 'in', importIds).execute()) headersOf.set(row.id, JSON.parse(row.columns) as string[]);
  }
  const sent = new Map<string, Record<string, Scalar>>();
  for (const row of unsaved) {
    const raw = parseJson<unknown>(row.raw_row);
    if (Array.isArray(raw)) {
      const headers = headersOf.get(row.import_id ?? '') ?? [];
      sent.set(row.event_id, Object.fromEntries(raw.map((cell, index) => [headers[index] ?? `Column ${index + 1}`, String(cell)])));
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
 * for stored leads, the normalised values. A source sees only its own. Submissions are the events plus the
 * leads import rows created (each stands for its creation event): a page of each, merged.
 */
export async function listLeads(store: Store, principal: Principal, query: LeadListQuery): Promise<{ items: LeadSummary[]; next: string | null }> {
  const sourceId = principal.kind === 'source' ? principal.sourceId : query.sourceId;
  const pattern = query.q ? `%${escapeLike(query.q.toLowerCase())}%` : null;
  const from = query.from ? new Date(query.from).toISOString() : null;
  const to = query.to ? new Date(query.to).toISOString() : null;
  let cursor: { createdAt: string; id: string } | null = null;
  if (query.before) {
    const [createdAt, id] = query.before.split('|');
    if (!createdAt || !id) throw new AppError('validation_failed', 'before: not a cursor from a previous page', { field: 'before' });
    cursor = { createdAt, id };
  }

  const asSource = principal.kind === 'source';
  const eventFields = asSource ? ownSubmissionFields : sql<string | null>`l.fields`;
  let events = store.db
    .selectFrom('events as e')
    .leftJoin('leads as l', 'l.id', 'e.lead_id')
    .select(['e.id as event_id', 'e.lead_id', 'e.flow_id', 'e.source_id', 'e.outcome', 'e.action', 'e.reason', 'e.import_id', 'e.row_number', 'e.created_at', 'e.raw_row'])
    .select(eventFields.as('fields'))
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(query.limit + 1);
  if (query.flowId) events = events.where('e.flow_id', '=', query.flowId);
  if (sourceId) events = events.where('e.source_id', '=', sourceId);
  if (query.outcome) events = events.where('e.outcome', '=', query.outcome);
  if (from) events = events.where('e.created_at', '>=', from);
  if (to) events = events.where('e.created_at', '<', to);
  if (pattern) events = events.where((eb) => eb.or([jsonValueLike(store.dialect, eventFields, pattern), jsonValueLike(store.dialect, sql`e.raw_row`, pattern)]));
  if (cursor) {
    const { createdAt, id } = cursor;
    events = events.where((eb) => eb.or([eb('e.created_at', '<', createdAt), eb.and([eb('e.created_at', '=', createdAt), eb('e.id', '<', id)])]));
  }

  const creationFields = asSource ? creatorFields('leads') : sql<string | null>`leads.fields`;
  let created = store.db
    .selectFrom('leads')
    .select(['id as event_id', 'id as lead_id', 'flow_id', 'source_id', 'import_id', 'row_number', 'created_at'])
    .select(creationFields.as('fields'))
    .where('import_id', 'is not', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.flowId) created = created.where('flow_id', '=', query.flowId);
  if (sourceId) created = created.where('source_id', '=', sourceId);
  if (from) created = created.where('created_at', '>=', from);
  if (to) created = created.where('created_at', '<', to);
  if (pattern) created = created.where(jsonValueLike(store.dialect, creationFields, pattern));
  if (cursor) {
    const { createdAt, id } = cursor;
    created = created.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const creations = query.outcome === undefined || query.outcome === 'success' ? await created.execute() : [];

  const rows: SubmissionRow[] = [
    ...(await events.execute()),
    ...creations.map((row) => ({ ...row, outcome: 'success', action: 'created', reason: null, raw_row: null })),
  ].sort(newestFirst);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const sent = await sentValues(store, page);
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
export async function getLead(store: Store, principal: Principal, leadId: string): Promise<LeadDetail> {
  const asSource = principal.kind === 'source' ? principal.sourceId : null;
  const lead = await store.db
    .selectFrom('leads')
    .select(['id', 'flow_id', 'source_id', 'import_id', 'row_number', 'raw', 'created_at', 'updated_at', 'duration_us'])
    // A source is shown the values it sent, not what other sources' duplicates added to the stored lead.
    .select((asSource === null ? sql<string>`leads.fields` : creatorFields('leads')).as('fields'))
    .where('id', '=', leadId)
    .executeTakeFirst();
  let eventQuery = store.db.selectFrom('events').selectAll().where('lead_id', '=', leadId).orderBy('created_at').orderBy('id');
  if (asSource !== null) eventQuery = eventQuery.where('source_id', '=', asSource);
  const events = await eventQuery.execute();
  // A lead an import row created is that row's creation event.
  if (lead?.import_id) {
    const { id, flow_id, source_id, import_id, row_number, created_at } = lead;
    events.unshift({ id, flow_id, source_id, import_id, row_number, created_at, outcome: 'success', action: 'created', reason: null, lead_id: id, duplicate: 0, raw_row: null, previous: null, fields: null, duplicate_of: null, duplicate_key: null, duration_us: lead.duration_us ?? 0 });
  }
  const first = events[0];
  const owner = lead?.source_id ?? first?.source_id;
  if (!owner || (asSource !== null && asSource !== owner)) throw new AppError('not_found', `no lead with id "${leadId}"`);
  const flowId = lead?.flow_id ?? first?.flow_id ?? '';
  const raw = parseJson<Record<string, unknown>>(lead?.raw ?? null) ?? rawOfEvent(first?.raw_row ?? null);
  const spec = await findFlowSpec(store.db, flowId);
  const values: LeadDetail['values'] = {};
  for (const field of spec?.fields ?? []) {
    const text = raw[field.name];
    if (typeof text !== 'string' || text === '') continue;
    values[field.name] = normalise(field.type, text, { phoneRegion: spec?.defaultPhoneRegion ?? 'US', choices: field.choices });
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
