import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { useFlows } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { formatTime } from '../ui/format';

/** The flows, each opening its editor. */
export function FlowsPage() {
  const flows = useFlows();
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Flows</Title>
        <Button component={Link} to="/flows/new">
          New flow
        </Button>
      </Group>
      {flows.error && <ErrorNotice title="Could not load flows">{errorMessage(flows.error)}</ErrorNotice>}
      <Table withTableBorder aria-label="Flows">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Flow</Table.Th>
            <Table.Th>Id</Table.Th>
            <Table.Th>Fields</Table.Th>
            <Table.Th>Sources</Table.Th>
            <Table.Th>Updated</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(flows.data ?? []).map((flow) => (
            <Table.Tr key={flow.id}>
              <Table.Td>
                <Anchor component={Link} to={`/flows/${encodeURIComponent(flow.id)}`}>
                  {flow.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{flow.id}</Table.Td>
              <Table.Td>{flow.fields}</Table.Td>
              <Table.Td>{flow.sources.join(', ')}</Table.Td>
              <Table.Td>{formatTime(flow.updatedAt)}</Table.Td>
            </Table.Tr>
          ))}
          {flows.data?.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="gray.7" ta="center" py="md">
                  No flows yet. Create one, or apply a flow file with <code>leadport flows apply</code>.
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
