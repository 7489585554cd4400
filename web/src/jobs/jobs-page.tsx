import { Anchor, Badge, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { createColumnHelper } from '@tanstack/react-table';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { useImports } from '../api/hooks';
import { type ImportView, STATUS_COLORS, STATUS_WORDS } from '../api/imports';
import { DataTable } from '../ui/data-table';
import { ErrorNotice } from '../ui/error-notice';
import { formatCount, formatDuration, formatShortTime, plural } from '../ui/format';

const column = createColumnHelper<ImportView>();

const columns = [
  column.accessor('createdAt', {
    header: 'Started',
    cell: (info) => (
      <Anchor component={Link} to={`/jobs/${info.row.original.id}`} size="sm">
        {formatShortTime(info.getValue())}
      </Anchor>
    ),
  }),
  column.accessor('fileName', { header: 'File', meta: { maxWidth: 170 } }),
  column.accessor('status', {
    header: 'Status',
    cell: (info) => (
      <Badge color={STATUS_COLORS[info.getValue()] ?? 'gray'} variant="light" miw="max-content">
        {STATUS_WORDS[info.getValue()] ?? info.getValue()}
      </Badge>
    ),
  }),
  // An import whose rows name their own flow and source (routeByColumns) has neither of its own.
  column.accessor('flowId', {
    header: 'Flow',
    cell: (info) => (info.row.original.routeByColumns ? 'from the file' : (info.getValue() ?? '—')),
  }),
  column.accessor('sourceId', {
    header: 'Source',
    cell: (info) => (info.row.original.routeByColumns ? 'from the file' : (info.getValue() ?? '—')),
  }),
  column.accessor('total', { header: 'Rows', cell: (info) => formatCount(info.getValue()), meta: { numeric: true } }),
  column.accessor('created', {
    header: 'Created',
    cell: (info) => formatCount(info.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('updated', {
    header: 'Updated',
    cell: (info) => formatCount(info.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('failed', {
    header: 'Failed',
    cell: (info) => formatCount(info.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('duplicates', {
    header: 'Duplicates',
    cell: (info) => formatCount(info.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('durationMs', {
    header: 'Duration',
    cell: (info) => formatDuration(info.getValue()),
    meta: { numeric: true },
  }),
  column.accessor('startedBy', { header: 'By', cell: (info) => info.getValue() ?? '', meta: { maxWidth: 150 } }),
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
      <Title order={1}>Batch jobs</Title>
      <NativeSelect
        label="Status"
        value={status}
        onChange={(event) => setStatus(event.currentTarget.value)}
        data={STATUS_FILTER}
        w={220}
      />
      {imports.error && <ErrorNotice title="Could not load the imports">{errorMessage(imports.error)}</ErrorNotice>}
      <DataTable
        label="Import history"
        data={rows}
        columns={columns}
        getRowId={(view) => view.id}
        height="calc(100vh - 290px)"
        empty={
          imports.isPending
            ? 'Loading…'
            : status
              ? `No imports are ${(STATUS_WORDS[status] ?? status).toLowerCase()}.`
              : 'No imports yet. Import a file from the Leads page, or run leadport import.'
        }
      />
      <Text size="sm" c="gray.7">
        {plural(rows.length, 'import')}
      </Text>
    </Stack>
  );
}
