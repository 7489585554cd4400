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

/**
 * The leads view: every submission (real-time or batch row) newest first, with its outcome and reason and,
 * for stored leads, the normalised values. A source sees only its own.
 */
export async function listLeads(store: Store, principal: Principal, query: LeadListQuery): Promise<{ items: LeadSummary[]; next: string | null }> {
  const sourceId = principal.kind === 'source' ? principal.sourceId : query.sourceId;
  let select = store.db
    .selectFrom('events as e')
    .leftJoin('leads as l', 'l.id', 'e.lead_id')
    .select(['e.id as event_id', 'e.lead_id', 'e.flow_id', 'e.source_id', 'e.outcome', 'e.action', 'e.reason', 'e.import_id', 'e.row_number', 'e.created_at', 'l.fields'])
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(query.limit + 1);
  if (query.flowId) select = select.where('e.flow_id', '=', query.flowId);
  if (sourceId) select = select.where('e.source_id', '=', sourceId);
  if (query.outcome) select = select.where('e.outcome', '=', query.outcome);
  if (query.from) select = select.where('e.created_at', '>=', new Date(query.from).toISOString());
  if (query.to) select = select.where('e.created_at', '<', new Date(query.to).toISOString());
  if (query.q) {
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    select = select.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['l.fields']), 'like', pattern),
        eb(eb.fn('lower', ['e.raw_row']), 'like', pattern),
      ]),
    );
  }
  if (query.before) {
    const [createdAt, eventId] = query.before.split('|');
    if (!createdAt || !eventId) throw new AppError('validation_failed', 'before: not a cursor from a previous page', { field: 'before' });
    select = select.where((eb) => eb.or([eb('e.created_at', '<', createdAt), eb.and([eb('e.created_at', '=', createdAt), eb('e.id', '<', eventId)])]));
  }
  const rows = await select.execute();
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
