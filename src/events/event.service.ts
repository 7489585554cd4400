import type { Principal } from '../auth/auth.service.js';
import type { Store } from '../db/database.js';
import type { Report, ReportQuery } from './event.schema.js';

/**
 * The real-time report: submissions counted by flow, source, outcome and reason over a period, as
 * LeadConduit shows its sources. A source sees only its own counts.
 */
export async function eventReport(store: Store, principal: Principal, query: ReportQuery): Promise<Report> {
  const sourceId = principal.kind === 'source' ? principal.sourceId : query.sourceId;
  let select = store.db
    .selectFrom('events')
    .select((eb) => ['flow_id', 'source_id', 'outcome', 'reason', eb.fn.countAll<string | number>().as('count')])
    .groupBy(['flow_id', 'source_id', 'outcome', 'reason'])
    .orderBy('flow_id')
    .orderBy('source_id')
    .orderBy('outcome')
    .orderBy('reason');
  const from = query.from ? new Date(query.from).toISOString() : null;
  const to = query.to ? new Date(query.to).toISOString() : null;
  if (from) select = select.where('created_at', '>=', from);
  if (to) select = select.where('created_at', '<', to);
  if (query.flowId) select = select.where('flow_id', '=', query.flowId);
  if (sourceId) select = select.where('source_id', '=', sourceId);
  const rows = (await select.execute()).map((row) => ({ flowId: row.flow_id, sourceId: row.source_id, outcome: row.outcome, reason: row.reason, count: Number(row.count) }));
  const totals = { success: 0, failure: 0, error: 0 };
  for (const row of rows) if (row.outcome in totals) totals[row.outcome as keyof typeof totals] += row.count;
  return { from, to, totals, rows };
}
