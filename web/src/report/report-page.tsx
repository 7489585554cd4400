import { BarChart } from '@mantine/charts';
import { Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { useFlows, useReport, useReportSeries, useSession, useSources } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { Stats } from '../ui/stats';

const DAYS = 14;

/**
 * The real-time report (LeadConduit's): submissions by day and outcome, the top failure reasons, and counts
 * by flow and source. A source sees only its own leads (the API scopes it).
 */
export function ReportPage() {
  const session = useSession();
  const isAdmin = session.data?.kind === 'admin';
  const flows = useFlows(isAdmin);
  const sources = useSources();
  const [flowId, setFlowId] = useState('');
  const [sourceId, setSourceId] = useState('');
  const filter = { flowId: flowId || undefined, sourceId: sourceId || undefined };
  const report = useReport(filter);
  const series = useReportSeries(DAYS, filter);

  const byDay = series.days.map(({ day, report: daily }) => ({
    day: day.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }),
    Accepted: daily?.totals.success ?? 0,
    Rejected: daily?.totals.failure ?? 0,
    Errors: daily?.totals.error ?? 0,
  }));
  const reasons = new Map<string, number>();
  const bySource = new Map<string, { success: number; failure: number; error: number }>();
  for (const row of report.data?.rows ?? []) {
    if (row.outcome !== 'success' && row.reason) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + row.count);
    const key = `${row.flowId} / ${row.sourceId}`;
    const counts = bySource.get(key) ?? { success: 0, failure: 0, error: 0 };
    if (row.outcome === 'success' || row.outcome === 'failure' || row.outcome === 'error')
      counts[row.outcome] += row.count;
    bySource.set(key, counts);
  }
  const topReasons = [...reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([reason, count]) => ({ reason: reason.length > 48 ? `${reason.slice(0, 47)}…` : reason, Leads: count }));
  const totals = report.data?.totals;

  return (
    <Stack>
      <Title order={1}>Report</Title>
      {isAdmin && (
        <Group>
          <NativeSelect
            label="Flow"
            value={flowId}
            onChange={(event) => setFlowId(event.currentTarget.value)}
            data={[
              { value: '', label: 'All flows' },
              ...(flows.data ?? []).map((flow) => ({ value: flow.id, label: flow.name })),
            ]}
            w={200}
          />
          <NativeSelect
            label="Source"
            value={sourceId}
            onChange={(event) => setSourceId(event.currentTarget.value)}
            data={[
              { value: '', label: 'All sources' },
              ...(sources.data ?? []).map((source) => ({ value: source.id, label: source.name })),
            ]}
            w={200}
          />
        </Group>
      )}
      {report.error && <ErrorNotice title="Could not load the report">{errorMessage(report.error)}</ErrorNotice>}
      <Stats
        items={[
          { label: 'Accepted', value: totals?.success ?? 0, color: 'var(--lp-text-good)' },
          { label: 'Rejected', value: totals?.failure ?? 0, color: 'var(--lp-text-warn)' },
          { label: 'Errors', value: totals?.error ?? 0, color: 'var(--lp-text-bad)' },
        ]}
      />
      <SimpleGrid cols={2}>
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="md">
            Submissions in the last {DAYS} days
          </Title>
          <BarChart
            h={260}
            data={byDay}
            dataKey="day"
            type="stacked"
            series={[
              { name: 'Accepted', color: 'green.6' },
              { name: 'Rejected', color: 'orange.5' },
              { name: 'Errors', color: 'red.6' },
            ]}
            withLegend
            yAxisProps={{ allowDecimals: false }}
          />
        </Paper>
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="md">
            Top failure reasons
          </Title>
          {topReasons.length === 0 ? (
            <Text c="gray.7">No failures. Every lead was accepted.</Text>
          ) : (
            <BarChart
              h={260}
              data={topReasons}
              dataKey="reason"
              orientation="vertical"
              // One reason would otherwise be a bar as tall as the chart.
              maxBarWidth={28}
              yAxisProps={{ width: 220 }}
              xAxisProps={{ allowDecimals: false }}
              series={[{ name: 'Leads', color: 'orange.6' }]}
            />
          )}
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          By flow and source
        </Title>
        <Table aria-label="Submissions by flow and source">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Flow / source</Table.Th>
              <Table.Th ta="right">Accepted</Table.Th>
              <Table.Th ta="right">Rejected</Table.Th>
              <Table.Th ta="right">Errors</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...bySource.entries()].map(([key, counts]) => (
              <Table.Tr key={key}>
                <Table.Td>{key}</Table.Td>
                <Table.Td ta="right">{counts.success.toLocaleString()}</Table.Td>
                <Table.Td ta="right">{counts.failure.toLocaleString()}</Table.Td>
                <Table.Td ta="right">{counts.error.toLocaleString()}</Table.Td>
              </Table.Tr>
            ))}
            {bySource.size === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="gray.7" ta="center" py="md">
                    {report.isPending ? 'Loading…' : 'No submissions yet.'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
