import { Anchor, Badge, Group, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { useImports } from '../api/hooks';
import { type ImportView, STATUS_COLORS, STATUS_WORDS } from '../api/imports';
import { DataTable } from '../ui/data-table';
import { ErrorNotice } from '../ui/error-notice';
import { formatCount, formatDuration, formatTime } from '../ui/format';

const column = createColumnHelper<ImportView>();

const columns = [
  column.accessor('createdAt', {
    header: 'Started',
    cell: (info) => (
      <Anchor component={Link} to={`/jobs/${info.row.original.id}`} size="sm">
        {formatTime(info.getValue())}
      </Anchor>
    ),
  }),
  column.accessor('fileName', { header: 'File' }),
  column.accessor('status', {
    header: 'Status',
    cell: (info) => (
      <Badge color={STATUS_COLORS[info.getValue()] ?? 'gray'} variant="light" miw="max-content">
        {STATUS_WORDS[info.getValue()] ?? info.getValue()}
      </Badge>
    ),
  }),
  column.accessor('flowId', { header: 'Flow', cell: (info) => info.getValue() ?? 'from file' }),
  column.accessor('sourceId', { header: 'Source', cell: (info) => info.getValue() ?? 'from file' }),
  column.accessor('total', { header: 'Rows', cell: (info) => formatCount(info.getValue()) }),
  column.accessor('created', { header: 'Created', cell: (info) => formatCount(info.getValue()) }),
  column.accessor('updated', { header: 'Updated', cell: (info) => formatCount(info.getValue()) }),
  column.accessor('failed', { header: 'Failed', cell: (info) => formatCount(info.getValue()) }),
  column.accessor('duplicates', { header: 'Duplicates', cell: (info) => formatCount(info.getValue()) }),
  column.accessor('durationMs', { header: 'Duration', cell: (info) => formatDuration(info.getValue()) }),
  column.accessor('startedBy', { header: 'By', cell: (info) => info.getValue() ?? '' }),
];

const STATUS_FILTER = [
  { value: '', label: 'Any status' },
  ...Object.entries(STATUS_WORDS).map(([value, label]) => ({ value, label })),
];

/** Batch jobs: every import with status, counts, duration, file, flow, source and who started it. */
export function JobsPage() {
  const [status, setStatus] = useState('');
  const imports = useImports({ status: status || undefined });
  // The filter is applied here too, for servers whose history does not filter yet.
  const rows = (imports.data ?? []).filter((view) => !status || view.status === status);
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1}>Batch jobs</Title>
        <NativeSelect
          label="Status"
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value)}
          data={STATUS_FILTER}
          w={220}
        />
      </Group>
      {imports.error && <ErrorNotice title="Could not load the imports">{errorMessage(imports.error)}</ErrorNotice>}
      <DataTable
        label="Import history"
        data={rows}
        columns={columns}
        getRowId={(view) => view.id}
        height="calc(100vh - 200px)"
        empty={imports.isPending ? 'Loading…' : 'No imports yet.'}
      />
      <Text size="sm" c="gray.7">
        {rows.length} imports
      </Text>
    </Stack>
  );
}
