import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { DB, NotificationTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { NotificationListQuery, NotificationView } from './notification.schema.js';

function notificationView(row: NotificationTable): NotificationView {
  return {
    id: row.id,
    kind: row.kind,
    importId: row.import_id,
    flowId: row.flow_id,
    sourceId: row.source_id,
    status: row.status,
    message: row.message,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

// A source sees the notifications of its own imports; admins see every one.
function visibleTo(db: Kysely<DB>, principal: Principal) {
  const query = db.selectFrom('notifications');
  return principal.kind === 'source' ? query.where('source_id', '=', principal.sourceId) : query;
}

/** The caller's notifications, newest first, with how many are unread. */
export async function listNotifications(
  db: Kysely<DB>,
  principal: Principal,
  query: NotificationListQuery,
): Promise<{ items: NotificationView[]; unread: number }> {
  let rows = visibleTo(db, principal)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit);
  if (query.unread) rows = rows.where('read_at', 'is', null);
  const unread = await visibleTo(db, principal)
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return { items: (await rows.execute()).map(notificationView), unread: Number(unread?.count ?? 0) };
}

/** Marks one of the caller's notifications read (404 for another source's); marking it again changes nothing. */
export async function markNotificationRead(db: Kysely<DB>, principal: Principal, id: string): Promise<void> {
  const found = await visibleTo(db, principal).select('id').where('id', '=', id).executeTakeFirst();
  if (!found) throw new AppError('not_found', `no notification with id "${id}"`);
  await db
    .updateTable('notifications')
    .set({ read_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('read_at', 'is', null)
    .execute();
}

/** Marks all of the caller's notifications read; returns how many were unread. */
export async function markAllNotificationsRead(db: Kysely<DB>, principal: Principal): Promise<number> {
  let update = db.updateTable('notifications').set({ read_at: new Date().toISOString() }).where('read_at', 'is', null);
  if (principal.kind === 'source') update = update.where('source_id', '=', principal.sourceId);
  return Number((await update.executeTakeFirst()).numUpdatedRows);
}
