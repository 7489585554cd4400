import type { Principal } from '../auth/auth.service.js';
import { normalise, type Scalar } from '../core/field-types.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { findFlowSpec } from '../flows/flow.repository.js';
import type { LeadDetail, LeadListQuery, LeadSummary } from './lead.schema.js';

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
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

  let events = store.db
    .selectFrom('events as e')
    .leftJoin('leads as l', 'l.id', 'e.lead_id')
    .select(['e.id as event_id', 'e.lead_id', 'e.flow_id', 'e.source_id', 'e.outcome', 'e.action', 'e.reason', 'e.import_id', 'e.row_number', 'e.created_at', 'l.fields'])
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(query.limit + 1);
  if (query.flowId) events = events.where('e.flow_id', '=', query.flowId);
  if (sourceId) events = events.where('e.source_id', '=', sourceId);
  if (query.outcome) events = events.where('e.outcome', '=', query.outcome);
  if (from) events = events.where('e.created_at', '>=', from);
  if (to) events = events.where('e.created_at', '<', to);
  if (pattern) events = events.where((eb) => eb.or([eb(eb.fn('lower', ['l.fields']), 'like', pattern), eb(eb.fn('lower', ['e.raw_row']), 'like', pattern)]));
  if (cursor) {
    const { createdAt, id } = cursor;
    events = events.where((eb) => eb.or([eb('e.created_at', '<', createdAt), eb.and([eb('e.created_at', '=', createdAt), eb('e.id', '<', id)])]));
  }

  let created = store.db
    .selectFrom('leads')
    .select(['id as event_id', 'id as lead_id', 'flow_id', 'source_id', 'import_id', 'row_number', 'created_at', 'fields'])
    .where('import_id', 'is not', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.flowId) created = created.where('flow_id', '=', query.flowId);
  if (sourceId) created = created.where('source_id', '=', sourceId);
  if (from) created = created.where('created_at', '>=', from);
  if (to) created = created.where('created_at', '<', to);
  if (pattern) created = created.where((eb) => eb(eb.fn('lower', ['fields']), 'like', pattern));
  if (cursor) {
    const { createdAt, id } = cursor;
    created = created.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
  }
  const creations = query.outcome === undefined || query.outcome === 'success' ? await created.execute() : [];

  const rows: SubmissionRow[] = [
    ...(await events.execute()),
    ...creations.map((row) => ({ ...row, outcome: 'success', action: 'created', reason: null })),
  ].sort(newestFirst);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
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
      fields: parseJson<Record<string, Scalar>>(row.fields),
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
  const lead = await store.db.selectFrom('leads').selectAll().where('id', '=', leadId).executeTakeFirst();
  const events = await store.db.selectFrom('events').selectAll().where('lead_id', '=', leadId).orderBy('created_at').orderBy('id').execute();
  // A lead an import row created is that row's creation event.
  if (lead?.import_id) {
    const { id, flow_id, source_id, import_id, row_number, created_at } = lead;
    events.unshift({ id, flow_id, source_id, import_id, row_number, created_at, outcome: 'success', action: 'created', reason: null, lead_id: id, duplicate: 0, raw_row: null, previous: null, duration_us: lead.duration_us ?? 0 });
  }
  const first = events[0];
  const owner = lead?.source_id ?? first?.source_id;
  if (!owner || (principal.kind === 'source' && principal.sourceId !== owner)) throw new AppError('not_found', `no lead with id "${leadId}"`);
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
