import { DonutChart } from '@mantine/charts';
import { Alert, Box, Button, ColorSwatch, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { type ImportView, STATUS_WORDS } from '../api/imports';
import { formatCount, formatDuration, formatTime, plural, sentence } from '../ui/format';
import { Stats } from '../ui/stats';
import { RowReportTable } from './wizard/row-report';

// The status heading's colour: the words say it, the colour only helps a glance.
const STATUS_TEXT_COLORS: Record<string, string> = {
  completed: 'var(--lp-text-good)',
  completed_with_errors: 'var(--lp-text-warn)',
  failed: 'var(--lp-text-bad)',
};

// States a revert may undo (src/imports/import-state.ts): a cancelled import keeps what it committed.
const REVERTABLE = ['completed', 'completed_with_errors', 'cancelled'];

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
  const canRevert = REVERTABLE.includes(view.status) && view.created + view.updated > 0;
  const revert = view.revert;
  const where = view.routeByColumns
    ? ["Flow: from the file's flow_id column", "Source: from the file's source_id column"]
    : [`Flow: ${view.flowId}`, `Source: ${view.sourceId ?? '—'}`];
  const about = [
    view.fileName,
    ...where,
    `finished ${formatTime(view.finishedAt)}`,
    `took ${formatDuration(view.durationMs)}`,
    ...(view.startedBy ? [`by ${view.startedBy}`] : []),
  ];

  return (
    <Stack>
      <Group justify="space-between" align="start" wrap="nowrap">
        <Box style={{ flex: 1, minWidth: 0 }}>
          <Title order={2} size="h3" c={STATUS_TEXT_COLORS[view.status]}>
            {words}
          </Title>
          <Text c="gray.7" size="sm">
            {about.join(' · ')}
          </Text>
        </Box>
        <Group wrap="nowrap">
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
      {view.error && view.status === 'cancelled' && (
        <Alert color="gray" title="Stopped before the end" role="status">
          {sentence(view.error)}.
          {view.created + view.updated > 0 ? ' What it imported before that stays, unless you revert the import.' : ''}
        </Alert>
      )}
      {view.error && view.status !== 'cancelled' && (
        <Alert color="red" role="alert" title="The import stopped">
          {sentence(view.error)}
        </Alert>
      )}
      {confirming && (
        <Alert color="red" title="Revert this import?" role="alertdialog" aria-label="Revert this import?">
          <Text size="sm" mb="sm">
            This removes the {plural(view.created, 'lead')} the import created and gives the{' '}
            {plural(view.updated, 'lead')} it updated their earlier values. Leads changed since are kept and listed.
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
          color={revert.status === 'running' ? 'blue' : revert.status === 'failed' ? 'red' : 'violet'}
          // Once it is done, the heading above already says "Reverted".
          title={
            revert.status === 'running' ? 'Reverting…' : revert.status === 'failed' ? 'The revert stopped' : undefined
          }
          role="status"
        >
          The revert removed {plural(revert.removed, 'lead')} and restored {formatCount(revert.restored)}
          {revert.conflictCount > 0
            ? `; ${plural(revert.conflictCount, 'lead')} kept because they changed since: ${revert.conflicts
                .slice(0, 5)
                .map((c) => `${c.leadId} (${c.reason})`)
                .join(', ')}${revert.conflictCount > 5 ? ', …' : ''}`
            : ''}
          .{revert.error ? ` ${sentence(revert.error)}.` : ''}
        </Alert>
      )}
      <Group align="stretch" wrap="nowrap">
        <Box style={{ flex: 1 }}>
          <Stats
            cols={3}
            items={[
              { label: 'Total', value: view.total },
              { label: 'Created', value: view.created, color: 'var(--lp-text-good)' },
              {
                label: 'Updated',
                value: view.updated,
                color: 'var(--lp-text-info)',
                // Rows that matched a lead and changed none of its values count as updated too.
                note: view.unchanged > 0 ? `${formatCount(view.unchanged)} changed nothing` : undefined,
              },
              { label: 'Failed', value: view.failed, color: 'var(--lp-text-bad)' },
              { label: 'Duplicates', value: view.duplicates, color: 'var(--lp-text-warn)' },
              { label: 'Fixed inline', value: view.fixed ?? 0 },
            ]}
          />
        </Box>
        {outcomes.length > 0 && (
          <Paper
            withBorder
            p="sm"
            w={340}
            role="img"
            aria-label={`Outcomes: ${outcomes.map((item) => `${formatCount(item.value)} ${item.name.toLowerCase()}`).join(', ')}`}
          >
            <Group wrap="nowrap" gap="lg" h="100%">
              <DonutChart
                data={outcomes}
                size={132}
                thickness={20}
                withTooltip={false}
                // One outcome is a whole ring: no seam where it starts.
                paddingAngle={outcomes.length > 1 ? 2 : 0}
                strokeWidth={outcomes.length > 1 ? 1 : 0}
              />
              <Stack gap={6}>
                {outcomes.map((item) => (
                  <Group key={item.name} gap={8} wrap="nowrap">
                    <ColorSwatch
                      color={`var(--mantine-color-${item.color.replace('.', '-')})`}
                      size={12}
                      withShadow={false}
                    />
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {item.name} {formatCount(item.value)}
                      <Text span size="sm" c="gray.7">
                        {' '}
                        ({percentOf(item.value, view.total)})
                      </Text>
                    </Text>
                  </Group>
                ))}
              </Stack>
            </Group>
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

// One failed row in thousands reads "<0.1%", not "0%": a share that exists never reads as none.
function percentOf(value: number, total: number): string {
  if (total === 0) return '0%';
  const percent = (value / total) * 100;
  if (percent > 0 && percent < 0.1) return '<0.1%';
  if (percent < 1) return `${Math.round(percent * 10) / 10}%`;
  if (percent > 99 && percent < 100) return `${Math.floor(percent * 10) / 10}%`;
  return `${Math.round(percent)}%`;
}
