import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import { dialectOf, type Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';

/**
 * One submission (a real-time lead or a batch row): an event, or a lead an import row created, which stands
 * for that row's creation event (migration 0004 stores no event for it).
 */
export interface SubmissionRow {
  /** The event's id; for an import-created lead, the lead's. */
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
  duration_us: number;
  /** What a submission that stored nothing sent: a batch row's cells (JSON array) or a real-time submission's values (JSON object). */
  raw_row: string | null;
  /** The stored values the viewer may see (JSON), when asked for with `values`; null otherwise. */
  fields: string | null;
}

/** Which submissions to read. A source viewer reads only its own, whatever `sourceId` says. */
interface SubmissionFilter {
  readonly flowId?: string | undefined;
  readonly sourceId?: string | undefined;
  readonly outcome?: string | undefined;
  /** Submitted at or after (ISO 8601 UTC). */
  readonly from?: string | null | undefined;
  /** Submitted before (ISO 8601 UTC). */
  readonly to?: string | null | undefined;
  /** One lead's submissions: its creation and every event that names it. */
  readonly leadId?: string | undefined;
  /** A lowercase LIKE pattern matched against the values the viewer may see and what was sent. */
  readonly search?: string | null | undefined;
  /**
   * Newest first, at most `limit` of each kind before the cursor. The order and limit are applied in each half
   * of the union, where they walk the created_at indexes: neither database carries them through a UNION ALL.
   */
  readonly page?:
    | { readonly limit: number; readonly before: { readonly createdAt: string; readonly id: string } | null }
    | undefined;
  /** Include `fields`, the stored values the viewer may see (the leads view); other readers leave them out. */
  readonly values?: boolean | undefined;
}

/** The submissions as a table `s` to select from: the leads view, the report and a lead's history read it. */
type SubmissionsQuery = SelectQueryBuilder<DB & { s: SubmissionRow }, 's', object>;

/**
 * The values a lead's creator sent: the lead's fields before another source first updated or merged into it
 * (that update kept them as `previous`), or its fields when no other source ever did. A source is shown
 * these, never what another source's duplicate added to the stored lead.
 */
function creatorFields(lead: string): RawBuilder<string | null> {
  return sql<string | null>`coalesce((
    select p.previous from events p
    where p.lead_id = ${sql.ref(`${lead}.id`)} and p.source_id <> ${sql.ref(`${lead}.source_id`)} and p.previous is not null
    order by p.created_at, p.id limit 1
  ), ${sql.ref(`${lead}.fields`)})`;
}

/**
 * The stored values shown with an event `e`: an admin sees its lead as stored; a source only its own values
 * (those its update or merge carried, or, for the lead it created, what it sent).
 */
function eventFields(viewer: Principal): RawBuilder<string | null> {
  if (viewer.kind === 'admin') return sql<string | null>`(select l.fields from leads l where l.id = e.lead_id)`;
  return sql<string | null>`case
    when e.action in ('updated', 'merged') then e.fields
    else (select case when l.source_id = e.source_id then ${creatorFields('l')} end from leads l where l.id = e.lead_id) end`;
}

/** The stored values of a lead (table `leads`) the viewer may see: as stored for an admin, as sent for its source. */
export function leadFieldsFor(viewer: Principal): RawBuilder<string | null> {
  return viewer.kind === 'admin' ? sql<string | null>`leads.fields` : creatorFields('leads');
}

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

const noValues = sql<string | null>`null`;

/**
 * Every submission the viewer may see, as one table `s`: the events plus the leads import rows created, with
 * the filter applied to each half (so each uses its own indexes). The one place that knows how submissions
 * are stored and what a source may see of them; readers select, group and order.
 */
export function submissions(db: Kysely<DB>, viewer: Principal, filter: SubmissionFilter = {}): SubmissionsQuery {
  const sourceId = viewer.kind === 'source' ? viewer.sourceId : filter.sourceId;
  const { from, to, page, search } = filter;
  const dialect = dialectOf(db);

  const shownWithEvent = eventFields(viewer);
  let events = db
    .selectFrom('events as e')
    .select([
      'e.id as event_id',
      'e.lead_id',
      'e.flow_id',
      'e.source_id',
      'e.outcome',
      'e.action',
      'e.reason',
      'e.import_id',
      'e.row_number',
      'e.created_at',
      'e.duration_us',
      'e.raw_row',
    ])
    .select((filter.values ? shownWithEvent : noValues).as('fields'));
  if (filter.flowId) events = events.where('e.flow_id', '=', filter.flowId);
  if (sourceId) events = events.where('e.source_id', '=', sourceId);
  if (filter.outcome) events = events.where('e.outcome', '=', filter.outcome);
  if (filter.leadId) events = events.where('e.lead_id', '=', filter.leadId);
  if (from) events = events.where('e.created_at', '>=', from);
  if (to) events = events.where('e.created_at', '<', to);
  if (search)
    events = events.where((eb) =>
      eb.or([jsonValueLike(dialect, shownWithEvent, search), jsonValueLike(dialect, sql`e.raw_row`, search)]),
    );
  if (page?.before) {
    const { createdAt, id } = page.before;
    events = events.where((eb) =>
      eb.or([eb('e.created_at', '<', createdAt), eb.and([eb('e.created_at', '=', createdAt), eb('e.id', '<', id)])]),
    );
  }
  if (page) events = events.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(page.limit);

  // Each half is a subquery: one with ORDER BY and LIMIT could not be a member of a UNION ALL otherwise.
  const eventHalf = db.selectFrom(events.as('event_half')).selectAll();
  // An import-created lead is a successful creation: it is not among submissions of another outcome.
  if (filter.outcome !== undefined && filter.outcome !== 'success') return db.selectFrom(eventHalf.as('s'));

  const shownWithCreation = leadFieldsFor(viewer);
  let created = db
    .selectFrom('leads')
    .select(['leads.id as event_id', 'leads.id as lead_id', 'leads.flow_id', 'leads.source_id'])
    .select([
      sql<string>`'success'`.as('outcome'),
      sql<string>`'created'`.as('action'),
      sql<string | null>`null`.as('reason'),
      'leads.import_id',
      'leads.row_number',
      'leads.created_at',
      sql<number>`coalesce(leads.duration_us, 0)`.as('duration_us'),
      sql<string | null>`null`.as('raw_row'),
      (filter.values ? shownWithCreation : noValues).as('fields'),
    ])
    .where('leads.import_id', 'is not', null);
  if (filter.flowId) created = created.where('leads.flow_id', '=', filter.flowId);
  if (sourceId) created = created.where('leads.source_id', '=', sourceId);
  if (filter.leadId) created = created.where('leads.id', '=', filter.leadId);
  if (from) created = created.where('leads.created_at', '>=', from);
  if (to) created = created.where('leads.created_at', '<', to);
  if (search) created = created.where(jsonValueLike(dialect, shownWithCreation, search));
  if (page?.before) {
    const { createdAt, id } = page.before;
    created = created.where((eb) =>
      eb.or([
        eb('leads.created_at', '<', createdAt),
        eb.and([eb('leads.created_at', '=', createdAt), eb('leads.id', '<', id)]),
      ]),
    );
  }
  if (page) created = created.orderBy('leads.created_at', 'desc').orderBy('leads.id', 'desc').limit(page.limit);

  return db.selectFrom(eventHalf.unionAll(db.selectFrom(created.as('creation_half')).selectAll()).as('s'));
}
