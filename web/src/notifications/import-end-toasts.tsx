import { notifications as toasts } from '@mantine/notifications';
import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router';
import type { NotificationView } from '../../../src/notifications/notification.schema';
import { STATUS_COLORS, STATUS_WORDS } from '../api/imports';

/**
 * A toast when an import ends, wherever the user is in the app: for each notification made while the app is
 * open. Those made before it opened are old news and stay in the list; the first answer can be late (a busy
 * server) and already hold a new one, so it is the time that tells, not the first answer.
 */
export function ImportEndToasts({ notifications }: { notifications: readonly NotificationView[] | undefined }) {
  const openedAt = useRef(Date.now());
  const seen = useRef(new Set<string>());
  const { pathname } = useLocation();
  useEffect(() => {
    for (const notification of notifications ?? []) {
      if (seen.current.has(notification.id)) continue;
      seen.current.add(notification.id);
      if (Date.parse(notification.createdAt) < openedAt.current) continue;
      // The page of that very import shows its end already (a second "Completed with errors" would only
      // repeat it).
      const id = notification.importId;
      if (id && (pathname === `/imports/${id}` || pathname === `/jobs/${id}`)) continue;
      toasts.show({
        title: notification.kind.startsWith('validation')
          ? 'Validation finished'
          : `Import ${(STATUS_WORDS[notification.status] ?? notification.status).toLowerCase()}`,
        color: STATUS_COLORS[notification.status] ?? 'blue',
        autoClose: 10_000,
        closeButtonProps: { 'aria-label': 'Dismiss' },
        // The link's words name no control of the app ("Import", "Revert"...), which a toast may sit beside.
        message: (
          <>
            {notification.message}{' '}
            {notification.importId && <Link to={`/jobs/${notification.importId}`}>See the details</Link>}
          </>
        ),
      });
    }
  }, [notifications, pathname]);
  return null;
}
