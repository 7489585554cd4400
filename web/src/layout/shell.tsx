import { AppShell, Badge, Button, Center, Group, Loader, NavLink, Text, Title, VisuallyHidden } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../api/client';
import { useNotifications, useSession } from '../api/hooks';
import { ImportEndToasts } from '../notifications/import-end-toasts';

interface Section {
  readonly label: string;
  readonly to: string;
  readonly adminOnly?: boolean;
}

const SECTIONS: readonly Section[] = [
  { label: 'Leads', to: '/' },
  { label: 'Batch jobs', to: '/jobs' },
  { label: 'Report', to: '/report' },
  { label: 'Flows', to: '/flows', adminOnly: true },
  { label: 'Sources', to: '/sources' },
  { label: 'Templates', to: '/templates', adminOnly: true },
  { label: 'Notifications', to: '/notifications' },
];

function isCurrent(section: Section, pathname: string): boolean {
  if (section.to === '/') return pathname === '/' || pathname.startsWith('/leads') || pathname.startsWith('/imports');
  return pathname.startsWith(section.to);
}

/** The signed-in app: header (who, unread notifications, sign out), navigation, and the current screen. */
export function Shell() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const notifications = useNotifications(Boolean(session.data));
  const current = SECTIONS.find((section) => isCurrent(section, location.pathname));
  // Each screen has its own title, for tabs, history and screen readers.
  useEffect(() => {
    const screen = location.pathname.startsWith('/imports') ? 'Import leads' : current?.label;
    document.title = screen ? `${screen} · Leadport` : 'Leadport';
  }, [location.pathname, current]);

  if (session.isPending)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (!session.data) return <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;

  const who =
    session.data.kind === 'admin'
      ? (session.data.email ?? 'Admin')
      : (session.data.sourceName ?? session.data.sourceId);
  const unread = notifications.data?.unread ?? 0;
  const signOut = async () => {
    await api('POST', '/api/auth/logout');
    queryClient.clear();
    navigate('/sign-in');
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 200, breakpoint: 0 }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={2} size="h4">
            Leadport
          </Title>
          <Group gap="md">
            <Button
              component={Link}
              to="/notifications"
              variant="subtle"
              rightSection={
                unread > 0 ? (
                  <Badge color="red">
                    {unread}
                    <VisuallyHidden> unread</VisuallyHidden>
                  </Badge>
                ) : null
              }
            >
              Notifications
            </Button>
            <Text size="sm" c="gray.7">
              {session.data.kind === 'source' ? `Source: ${who}` : who}
            </Text>
            <Button variant="default" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        {SECTIONS.filter((section) => !section.adminOnly || session.data?.kind === 'admin').map((section) => (
          <NavLink
            key={section.to}
            component={Link}
            to={section.to}
            label={section.label}
            variant="filled"
            active={isCurrent(section, location.pathname)}
            aria-current={isCurrent(section, location.pathname) ? 'page' : undefined}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {/* Inside the router: a toast links to its import's page. Bottom right, so it never covers the
            header or the actions at the top of a page. */}
        <Notifications position="bottom-right" />
        <ImportEndToasts notifications={notifications.data?.items} />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
