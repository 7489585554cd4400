import type { Principal } from '../auth/auth.service.js';
import type { Store } from '../db/database.js';
import type { Report, ReportQuery } from './event.schema.js';

/**
 * The real-time report: submissions counted by flow, source, outcome and reason over a period, as
 * LeadConduit shows its sources. A source sees only its own counts. The leads import rows created count as
 * their creation events.
 */
export async function eventReport(store: Store, principal: Principal, query: ReportQuery): Promise<Report> {
  const sourceId = principal.kind === 'source' ? principal.sourceId : query.sourceId;
  const from = query.from ? new Date(query.from).toISOString() : null;
  const to = query.to ? new Date(query.to).toISOString() : null;
  let events = store.db
    .selectFrom('events')
    .select((eb) => ['flow_id', 'source_id', 'outcome', 'reason', eb.fn.countAll<string | number>().as('count')])
    .groupBy(['flow_id', 'source_id', 'outcome', 'reason']);
  if (from) events = events.where('created_at', '>=', from);
  if (to) events = events.where('created_at', '<', to);
  if (query.flowId) events = events.where('flow_id', '=', query.flowId);
  if (sourceId) events = events.where('source_id', '=', sourceId);
  let created = store.db
    .selectFrom('leads')
    .select((eb) => ['flow_id', 'source_id', eb.fn.countAll<string | number>().as('count')])
    .where('import_id', 'is not', null)
    .groupBy(['flow_id', 'source_id']);
  if (from) created = created.where('created_at', '>=', from);
  if (to) created = created.where('created_at', '<', to);
  if (query.flowId) created = created.where('flow_id', '=', query.flowId);
  if (sourceId) created = created.where('source_id', '=', sourceId);

  const counts = new Map<string, Report['rows'][number]>();
  const add = (row: { flow_id: string; source_id: string; outcome: string; reason: string | null; count: string | number }) => {
    const key = JSON.stringify([row.flow_id, row.source_id, row.outcome, row.reason]);
    const existing = counts.get(key);
    if (existing) existing.count += Number(row.count);
    else counts.set(key, { flowId: row.flow_id, sourceId: row.source_id, outcome: row.outcome, reason: row.reason, count: Number(row.count) });
  };
  for (const row of await events.execute()) add(row);
  for (const row of await created.execute()) add({ ...row, outcome: 'success', reason: null });
  const rows = [...counts.values()].sort(byReportOrder);
  const totals = { success: 0, failure: 0, error: 0 };
  for (const row of rows) if (row.outcome in totals) totals[row.outcome as keyof typeof totals] += row.count;
  return { from, to, totals, rows };
}

// Flow, source, outcome, then reason, with no reason first (as the database ordered them).
function byReportOrder(a: Report['rows'][number], b: Report['rows'][number]): number {
  return compare(a.flowId, b.flowId) || compare(a.sourceId, b.sourceId) || compare(a.outcome, b.outcome) || compare(a.reason ?? '', b.reason ?? '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
