import { DonutChart } from '@mantine/charts';
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { type ImportView, STATUS_WORDS } from '../api/imports';

// The status heading's colour: the words say it, the colour only helps a glance.
const STATUS_TEXT_COLORS: Record<string, string> = {
  completed: 'var(--lp-text-good)',
  completed_with_errors: 'var(--lp-text-warn)',
  failed: 'var(--lp-text-bad)',
};
import { formatDuration, formatTime } from '../ui/format';
import { Stats } from '../ui/stats';
import { RowReportTable } from './wizard/row-report';

interface ImportSummaryProps {
  readonly view: ImportView;
  readonly reverting: boolean;
  readonly error: string | null;
  readonly onRevert: () => void;
}

/**
 * An import that ended: its status in words, counts with a chart of outcomes, duration, the failed rows with
 * their reasons, the failed records to download, and revert (confirmed first).
 */
export function ImportSummary({ view, reverting, error, onRevert }: ImportSummaryProps) {
  const [confirming, setConfirming] = useState(false);
  const words = STATUS_WORDS[view.status] ?? view.status;
  const outcomes = [
    { name: 'Created', value: view.created, color: 'green.6' },
    { name: 'Updated', value: view.updated, color: 'blue.6' },
    { name: 'Failed', value: view.failed, color: 'red.6' },
  ].filter((item) => item.value > 0);
  const canRevert =
    (view.status === 'completed' || view.status === 'completed_with_errors') && view.created + view.updated > 0;
  const revert = view.revert;

  return (
    <Stack>
      <Group justify="space-between" align="start">
        <div>
          <Title order={2} size="h3" c={STATUS_TEXT_COLORS[view.status]}>
            {words}
          </Title>
          <Text c="gray.7" size="sm">
            {view.fileName} · {view.flowId ?? 'flows from the file'} / {view.sourceId ?? 'sources from the file'} ·
            finished {formatTime(view.finishedAt)} · took {formatDuration(view.durationMs)}
            {view.startedBy ? ` · by ${view.startedBy}` : ''}
          </Text>
        </div>
        <Group>
          {view.failed > 0 && (
            <Button
              component="a"
              href={`/api/imports/${encodeURIComponent(view.id)}/failed.csv`}
              download
              variant="default"
            >
              Download failed records
            </Button>
          )}
          {canRevert && !confirming && (
            <Button color="red" variant="light" onClick={() => setConfirming(true)}>
              Revert import
            </Button>
          )}
        </Group>
      </Group>
      {view.error && (
        <Alert color="red" role="alert" title="The import stopped">
          {view.error}
        </Alert>
      )}
      {confirming && (
        <Alert color="red" title="Revert this import?" role="alertdialog" aria-label="Revert this import?">
          <Text size="sm" mb="sm">
            This removes the {view.created} leads the import created and restores the {view.updated} it updated to their
            earlier values. Leads changed since are kept and listed.
          </Text>
          <Group>
            <Button
              color="red"
              loading={reverting}
              onClick={() => {
                setConfirming(false);
                onRevert();
              }}
            >
              Revert
            </Button>
            <Button variant="default" onClick={() => setConfirming(false)}>
              Keep the import
            </Button>
          </Group>
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert" title="Could not revert">
          {error}
        </Alert>
      )}
      {revert && (
        <Alert
          color={revert.status === 'running' ? 'blue' : 'violet'}
          title={revert.status === 'running' ? 'Reverting…' : 'Reverted'}
          role="status"
        >
          {revert.removed} leads removed, {revert.restored} restored
          {revert.conflicts.length > 0
            ? `; ${revert.conflicts.length} kept because they changed since: ${revert.conflicts.map((c) => `${c.leadId} (${c.reason})`).join(', ')}`
            : ''}
          .
        </Alert>
      )}
      <Group align="stretch" wrap="nowrap">
        <Stack style={{ flex: 1 }}>
          <Stats
            items={[
              { label: 'Total', value: view.total },
              { label: 'Created', value: view.created, color: 'var(--lp-text-good)' },
              { label: 'Updated', value: view.updated, color: 'var(--lp-text-info)' },
              { label: 'Failed', value: view.failed, color: 'var(--lp-text-bad)' },
              { label: 'Duplicates', value: view.duplicates, color: 'var(--lp-text-warn)' },
              { label: 'Fixed inline', value: view.fixed ?? 0 },
            ]}
          />
        </Stack>
        {outcomes.length > 0 && (
          <Paper
            withBorder
            p="xs"
            w={200}
            role="img"
            aria-label={`Outcomes: ${outcomes.map((item) => `${item.value} ${item.name.toLowerCase()}`).join(', ')}`}
          >
            <DonutChart
              data={outcomes}
              size={150}
              thickness={24}
              withTooltip={false}
              chartLabel={`${view.total} rows`}
            />
          </Paper>
        )}
      </Group>
      {view.failed > 0 && (
        <>
          <Title order={3} size="h4">
            Failed rows
          </Title>
          <RowReportTable importId={view.id} editable={false} label="Failed rows" />
        </>
      )}
    </Stack>
  );
}
