import { Anchor, Badge, Button, Code, Group, List, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../api/client';
import { useSubmissionDocs } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';

/**
 * A source's submission docs (LeadConduit's): the flow's fields with types and requirements, the acceptance
 * criteria in words, a ready example request, and the Import Leads button.
 */
export function SubmissionDocsPage() {
  const { sourceId = '', flowId = '' } = useParams();
  const docs = useSubmissionDocs(flowId, sourceId);
  if (docs.isPending) return <Loader aria-label="Loading the submission docs" />;
  if (docs.error)
    return <ErrorNotice title="Could not load the submission docs">{errorMessage(docs.error)}</ErrorNotice>;
  const data = docs.data;
  return (
    <Stack>
      <Anchor component={Link} to="/sources" size="sm">
        ← Sources
      </Anchor>
      <Group justify="space-between" align="start">
        <div>
          <Title order={1}>Submission docs</Title>
          <Text c="gray.7">
            {data.source.name} → {data.flow.name}
          </Text>
        </div>
        <Button
          component={Link}
          to={`/imports/new?flow=${encodeURIComponent(flowId)}&source=${encodeURIComponent(sourceId)}`}
          size="md"
        >
          Import Leads
        </Button>
      </Group>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Where to send leads
        </Title>
        <Text size="sm">
          <Badge variant="light" mr="xs">
            POST
          </Badge>
          <Code>{data.submitUrl}</Code>
        </Text>
        <Text size="sm" c="gray.7" mt="xs">
          Body as {data.contentTypes.join(' or ')}; send your API key as <Code>Authorization: Bearer &lt;key&gt;</Code>.
        </Text>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Fields
        </Title>
        <Table aria-label="Fields">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Label</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Required</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.fields.map((field) => (
              <Table.Tr key={field.name}>
                <Table.Td>
                  <Code>{field.name}</Code>
                </Table.Td>
                <Table.Td>{field.label}</Table.Td>
                <Table.Td>
                  {field.type}
                  {field.choices ? `: ${field.choices.join(', ')}` : ''}
                </Table.Td>
                <Table.Td>
                  {field.required ? (
                    <Badge color="red" variant="light">
                      required
                    </Badge>
                  ) : (
                    'optional'
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Acceptance criteria
        </Title>
        {data.acceptance.length === 0 ? (
          <Text size="sm">Every lead with its required fields is accepted.</Text>
        ) : (
          <List size="sm">
            {data.acceptance.map((rule) => (
              <List.Item key={rule}>{rule}</List.Item>
            ))}
          </List>
        )}
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Example request
        </Title>
        <Code block>{data.example.curl}</Code>
      </Paper>
    </Stack>
  );
}
