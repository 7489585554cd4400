import { Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { fixedRowSchema } from '../../../../src/imports/row-report.schema';
import { api, errorMessage, withQuery } from '../../api/client';
import { useImportRows } from '../../api/hooks';
import type { ReportRow } from '../../api/imports';
import { ErrorNotice } from '../../ui/error-notice';
import { formatCount } from '../../ui/format';

interface RowReportProps {
  readonly importId: string;
  /** Rows can be fixed inline (before the import runs). */
  readonly editable: boolean;
  readonly label: string;
}

interface EditableRowProps {
  readonly importId: string;
  readonly row: ReportRow;
  readonly headers: string[];
  readonly editable: boolean;
  readonly onFixed: (message: string) => void;
}

function EditableRow({ importId, row, headers, editable, onFixed }: EditableRowProps) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState(row.values);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const changed = Object.fromEntries(
        Object.entries(values).filter(([header, value]) => row.values[header] !== value),
      );
      const fixed = await api('PATCH', `/api/imports/${encodeURIComponent(importId)}/rows/${row.row}`, {
        body: { values: changed },
        schema: fixedRowSchema,
      });
      setEditing(false);
      onFixed(
        fixed.outcome === 'success'
          ? `Row ${fixed.row} is fixed: it would be ${fixed.action}.`
          : `Row ${fixed.row} still fails: ${fixed.reason ?? fixed.outcome}.`,
      );
      await queryClient.invalidateQueries({ queryKey: ['imports', importId] });
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm">{row.row}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" c="var(--lp-text-bad)">
          {row.reason ?? row.outcome}
        </Text>
        {row.fixed && (
          <Badge color="gray" variant="light">
            edited
          </Badge>
        )}
        {error && (
          <Text size="xs" c="var(--lp-text-bad)" role="alert">
            {error}
          </Text>
        )}
      </Table.Td>
      {headers.map((header) => (
        <Table.Td key={header}>
          {editing ? (
            <TextInput
              size="xs"
              aria-label={`Row ${row.row} ${header}`}
              value={values[header] ?? ''}
              onChange={(event) => setValues({ ...values, [header]: event.currentTarget.value })}
            />
          ) : (
            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
              {row.values[header] ?? ''}
            </Text>
          )}
        </Table.Td>
      ))}
      {editable && (
        <Table.Td>
          {editing ? (
            <Group gap={4} wrap="nowrap">
              <Button size="xs" onClick={save} loading={busy}>
                Save row {row.row}
              </Button>
              <Button size="xs" variant="subtle" onClick={() => setEditing(false)}>
                Discard
              </Button>
            </Group>
          ) : (
            <Button size="xs" variant="light" onClick={() => setEditing(true)} aria-label={`Fix row ${row.row}`}>
              Fix
            </Button>
          )}
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** The rows that fail (would fail, before the import), filterable by reason, fixable inline, downloadable. */
export function RowReportTable({ importId, editable, label }: RowReportProps) {
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const report = useImportRows(importId, { reason: reason || undefined });
  const rows = report.data?.rows ?? [];
  const headers = [...new Set(rows.flatMap((row) => Object.keys(row.values)))];
  return (
    <Stack>
      <Group justify="space-between" align="end" wrap="nowrap">
        <NativeSelect
          label="Reason"
          value={reason}
          onChange={(event) => setReason(event.currentTarget.value)}
          data={[
            { value: '', label: 'All reasons' },
            ...(report.data?.reasons ?? []).map((item) => ({
              value: item.reason ?? '',
              label: `${item.reason ?? 'No reason given'} (${formatCount(item.count)})`,
            })),
          ]}
          w={380}
        />
        {/* The answer to a fix, announced; in the toolbar, so an empty one takes no room of its own. */}
        <Text size="sm" c="var(--lp-text-good)" role="status" aria-live="polite" style={{ flex: 1 }} pb={8}>
          {status}
        </Text>
        {/* After the import, "Download failed records" (the summary's) is the file to download. */}
        {editable && (
          <Button
            component="a"
            variant="default"
            href={withQuery(`/api/imports/${encodeURIComponent(importId)}/rows.csv`, { reason })}
            download
          >
            Download report
          </Button>
        )}
      </Group>
      {report.error && <ErrorNotice title="Could not load the rows">{errorMessage(report.error)}</ErrorNotice>}
      <div style={{ overflow: 'auto', maxHeight: 420 }}>
        <Table withTableBorder striped stickyHeader aria-label={label}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              <Table.Th>Reason</Table.Th>
              {headers.map((header) => (
                <Table.Th key={header}>{header}</Table.Th>
              ))}
              {editable && <Table.Th>Fix</Table.Th>}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <EditableRow
                key={`${row.row}-${row.fixed}`}
                importId={importId}
                row={row}
                headers={headers}
                editable={editable}
                onFixed={setStatus}
              />
            ))}
            {rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={headers.length + 3}>
                  <Text c="gray.7" ta="center" py="md">
                    {report.isPending ? 'Loading…' : 'No failing rows.'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </div>
      {report.data?.next !== null && report.data?.next !== undefined && (
        <Text size="sm" c="gray.7">
          Showing the first {formatCount(rows.length)} of {formatCount(report.data.total)} rows;{' '}
          {editable ? 'download the report' : 'download the failed records'} for all of them.
        </Text>
      )}
    </Stack>
  );
}
