import { Alert, Button, Group, Progress, Stack, Text } from '@mantine/core';
import { type ImportView, STATUS_WORDS } from '../api/imports';
import { Stats } from '../ui/stats';

function eta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'estimating…';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** A queued or running import: its progress (rows/s, ETA), live counts, and cancel. */
export function ImportProgress({
  view,
  onCancel,
  cancelling,
}: {
  view: ImportView;
  onCancel: () => void;
  cancelling: boolean;
}) {
  const percent = Math.round((view.fractionRead ?? 0) * 100);
  const queued = view.status === 'queued';
  return (
    <Stack>
      <Alert color="blue" variant="light" title={queued ? 'Queued' : 'Importing'}>
        The import runs on the server: it is safe to close this page. A notification appears when it ends, wherever you
        are in Leadport.
      </Alert>
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={500} id="import-progress-label">
            {STATUS_WORDS[view.status] ?? view.status} {view.fileName}: {percent}%
          </Text>
          <Text size="sm" c="gray.7">
            {view.rowsPerSecond
              ? `${Math.round(view.rowsPerSecond).toLocaleString()} rows/s · ${eta(view.etaSeconds)}`
              : queued
                ? 'waiting for a worker'
                : eta(null)}
          </Text>
        </Group>
        <Progress.Root size="xl">
          <Progress.Section value={queued ? 0 : percent} animated aria-labelledby="import-progress-label" />
        </Progress.Root>
      </Stack>
      <Stats
        items={[
          { label: 'Rows read', value: view.total },
          { label: 'Created', value: view.created, color: 'var(--lp-text-good)' },
          { label: 'Updated', value: view.updated, color: 'var(--lp-text-info)' },
          { label: 'Duplicates', value: view.duplicates, color: 'var(--lp-text-warn)' },
          { label: 'Failed', value: view.failed, color: 'var(--lp-text-bad)' },
        ]}
      />
      <Group justify="flex-end">
        <Button color="red" variant="light" onClick={onCancel} loading={cancelling}>
          Cancel import
        </Button>
      </Group>
    </Stack>
  );
}
