import { notifications as toasts } from '@mantine/notifications';
import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router';
import type { NotificationView } from '../../../src/notifications/notification.schema';
import { STATUS_COLORS, STATUS_WORDS } from '../api/imports';

/**
 * A toast when an import ends, wherever the user is in the app: for each notification that arrives while
 * the app is open (those there at load are old news and stay in the list).
 */
export function ImportEndToasts({ notifications }: { notifications: readonly NotificationView[] | undefined }) {
  const seen = useRef<Set<string> | null>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    if (!notifications) return;
    if (!seen.current) {
      seen.current = new Set(notifications.map((notification) => notification.id));
      return;
    }
    for (const notification of notifications) {
      if (seen.current.has(notification.id)) continue;
      seen.current.add(notification.id);
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
