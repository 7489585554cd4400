import { Badge, Code, Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { useLead } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { formatTime, sentence } from '../ui/format';

// The lead as a person would name it: its name, else its email, else "Lead".
function titleOf(fields: Record<string, unknown>): string {
  const name = [fields.first_name, fields.last_name].filter(Boolean).join(' ') || fields.full_name;
  return String(name || fields.email || 'Lead');
}

/** A lead's detail: each field raw and normalised (with its check), and its history of submissions. */
export function LeadDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const lead = useLead(id);
  return (
    <Drawer
      opened={Boolean(id)}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Text component="span" fw={700} size="xl">
          {lead.data ? titleOf(lead.data.fields) : 'Lead'}
        </Text>
      }
    >
      {lead.isPending && <Loader aria-label="Loading the lead" />}
      {lead.error && <ErrorNotice title="Could not load the lead">{errorMessage(lead.error)}</ErrorNotice>}
      {lead.data && (
        <Stack>
          <Group gap="xs">
            <Badge color={lead.data.stored ? 'green' : 'orange'} variant="light">
              {lead.data.stored ? 'Stored' : 'Rejected'}
            </Badge>
            <Text size="sm">
              Flow <Code>{lead.data.flowId}</Code> · Source <Code>{lead.data.sourceId}</Code>
            </Text>
          </Group>
          <Text size="sm" c="gray.7">
            Created {formatTime(lead.data.createdAt)}
            {lead.data.updatedAt !== lead.data.createdAt ? ` · updated ${formatTime(lead.data.updatedAt)}` : ''}
            {lead.data.importId && (
              <>
                {' '}
                · from <Link to={`/jobs/${lead.data.importId}`}>an import</Link>, row {lead.data.rowNumber}
              </>
            )}
          </Text>
          <Title order={3} size="h5">
            Values
          </Title>
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Field</Table.Th>
                <Table.Th>As sent</Table.Th>
                <Table.Th>Normalised</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {Object.entries(lead.data.values).map(([name, value]) => (
                <Table.Tr key={name}>
                  <Table.Td>
                    <Code>{name}</Code>
                  </Table.Td>
                  <Table.Td>{value.raw}</Table.Td>
                  <Table.Td>
                    {String(value.normal ?? '')}
                    {!value.valid && (
                      <Text size="xs" c="var(--lp-text-bad)">
                        {value.issue ?? 'not valid'}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={3} size="h5">
            History
          </Title>
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lead.data.events.map((event) => (
                <Table.Tr key={`${event.createdAt}-${event.action}`}>
                  <Table.Td>{formatTime(event.createdAt)}</Table.Td>
                  <Table.Td>{sentence(event.outcome)}</Table.Td>
                  <Table.Td>{sentence(event.action)}</Table.Td>
                  <Table.Td>{event.reason ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Drawer>
  );
}
