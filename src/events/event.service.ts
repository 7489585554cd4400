import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { DB } from '../db/schema.js';
import { submissions } from '../leads/submissions.query.js';
import type { Report, ReportQuery } from './event.schema.js';

/**
 * The real-time report: submissions counted by flow, source, outcome and reason over a period, as
 * LeadConduit shows its sources. A source sees only its own counts. The leads import rows created count as
 * their creation events (submissions.query.ts).
 */
export async function eventReport(db: Kysely<DB>, principal: Principal, query: ReportQuery): Promise<Report> {
  const from = query.from ? new Date(query.from).toISOString() : null;
  const to = query.to ? new Date(query.to).toISOString() : null;
  const counted = await submissions(db, principal, { flowId: query.flowId, sourceId: query.sourceId, from, to })
    .select((eb) => ['flow_id', 'source_id', 'outcome', 'reason', eb.fn.countAll<string | number>().as('count')])
    .groupBy(['flow_id', 'source_id', 'outcome', 'reason'])
    .execute();
  const rows = counted
    .map((row) => ({
      flowId: row.flow_id,
      sourceId: row.source_id,
      outcome: row.outcome,
      reason: row.reason,
      count: Number(row.count),
    }))
    .sort(byReportOrder);
  const totals = { success: 0, failure: 0, error: 0 };
  for (const row of rows) if (row.outcome in totals) totals[row.outcome as keyof typeof totals] += row.count;
  return { from, to, totals, rows };
}

// Flow, source, outcome, then reason, with no reason first (as the database ordered them).
function byReportOrder(a: Report['rows'][number], b: Report['rows'][number]): number {
  return (
    compare(a.flowId, b.flowId) ||
    compare(a.sourceId, b.sourceId) ||
    compare(a.outcome, b.outcome) ||
    compare(a.reason ?? '', b.reason ?? '')
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
