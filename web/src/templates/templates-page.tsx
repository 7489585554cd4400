import { Button, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { TemplateView } from '../../../src/templates/template.schema';
import { api, errorMessage } from '../api/client';
import { useTemplates } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { formatShortTime } from '../ui/format';

function TemplateRow({ template, onError }: { template: TemplateView; onError: (message: string | null) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const path = `/api/templates/${encodeURIComponent(template.id)}`;
  const act = async (action: () => Promise<unknown>) => {
    onError(null);
    try {
      await action();
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
    } catch (caught) {
      onError(errorMessage(caught));
    }
  };
  const mapped = Object.entries(template.mapping).filter(([, field]) => field);
  return (
    <Table.Tr>
      <Table.Td>
        {name === null ? (
          <Text fw={600} size="sm">
            {template.name}
          </Text>
        ) : (
          <TextInput
            aria-label={`New name for ${template.name}`}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
          />
        )}
      </Table.Td>
      <Table.Td>{template.flowId}</Table.Td>
      <Table.Td>
        <Group gap={6}>
          {mapped.slice(0, 4).map(([header, field]) => (
            <Text key={header} size="xs" style={{ whiteSpace: 'nowrap' }}>
              {header} → <Code>{field}</Code>
            </Text>
          ))}
          {mapped.length > 4 && (
            <Text size="xs" c="gray.7">
              and {mapped.length - 4} more
            </Text>
          )}
        </Group>
      </Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatShortTime(template.updatedAt)}</Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          {name === null ? (
            <Button
              size="xs"
              variant="light"
              onClick={() => setName(template.name)}
              aria-label={`Rename ${template.name}`}
            >
              Rename
            </Button>
          ) : (
            <Button
              size="xs"
              disabled={!name.trim()}
              onClick={() => act(() => api('PATCH', path, { body: { name: name.trim() } })).then(() => setName(null))}
            >
              Save name
            </Button>
          )}
          {confirming ? (
            <Button size="xs" color="red" onClick={() => act(() => api('DELETE', path))}>
              Delete for good
            </Button>
          ) : (
            <Button
              size="xs"
              color="red"
              variant="subtle"
              onClick={() => setConfirming(true)}
              aria-label={`Delete ${template.name}`}
            >
              Delete
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Saved mapping templates: list, rename, delete. */
export function TemplatesPage() {
  const templates = useTemplates();
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack>
      <Title order={1}>Templates</Title>
      <Text c="gray.7">Mappings saved from the import wizard. A file whose headers match one gets it applied.</Text>
      {(error || templates.error) && (
        <ErrorNotice title="Something went wrong">{error ?? errorMessage(templates.error)}</ErrorNotice>
      )}
      <Table withTableBorder aria-label="Templates">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Flow</Table.Th>
            <Table.Th>Mapping</Table.Th>
            <Table.Th>Updated</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(templates.data ?? []).map((template) => (
            <TemplateRow key={template.id} template={template} onError={setError} />
          ))}
          {templates.data?.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={5}>
                <Text c="gray.7" ta="center" py="md">
                  No templates yet: save one from the wizard's Map step.
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
