import { Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, errorMessage } from '../api/client';
import { useNotifications } from '../api/hooks';
import { STATUS_COLORS, STATUS_WORDS } from '../api/imports';
import { ErrorNotice } from '../ui/error-notice';
import { formatTime } from '../ui/format';

/** The caller's notifications, newest first; unread ones stand out and can be marked read. */
export function NotificationsPage() {
  const notifications = useNotifications();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['notifications'] });
  const items = notifications.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Notifications</Title>
        {items.length > 0 && (
          <Button
            variant="default"
            disabled={(notifications.data?.unread ?? 0) === 0}
            onClick={async () => {
              await api('POST', '/api/notifications/read');
              await refresh();
            }}
          >
            Mark all read
          </Button>
        )}
      </Group>
      {notifications.error && (
        <ErrorNotice title="Could not load notifications">{errorMessage(notifications.error)}</ErrorNotice>
      )}
      {items.length === 0 && !notifications.isPending && (
        <Text c="gray.7">
          No notifications yet. One arrives here when an import, its validation or its revert ends.
        </Text>
      )}
      {items.map((item) => (
        <Paper key={item.id} withBorder p="md" bg={item.readAt ? undefined : 'blue.0'}>
          <Group justify="space-between" wrap="nowrap">
            <Stack gap={2}>
              <Group gap="xs">
                <Badge color={STATUS_COLORS[item.status] ?? 'gray'} variant="light">
                  {STATUS_WORDS[item.status] ?? item.status}
                </Badge>
                {!item.readAt && (
                  <Text size="xs" fw={700} c="var(--lp-text-info)">
                    Unread
                  </Text>
                )}
              </Group>
              <Text>
                {item.importId ? (
                  <Anchor component={Link} to={`/jobs/${item.importId}`}>
                    {item.message}
                  </Anchor>
                ) : (
                  item.message
                )}
              </Text>
              <Text size="xs" c="gray.7">
                {formatTime(item.createdAt)}
              </Text>
            </Stack>
            {!item.readAt && (
              <Button
                size="xs"
                variant="subtle"
                onClick={async () => {
                  await api('POST', `/api/notifications/${encodeURIComponent(item.id)}/read`);
                  await refresh();
                }}
              >
                Mark read
              </Button>
            )}
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}
