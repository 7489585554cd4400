import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import type { ApiKeyView } from '../../../src/auth/auth.schema';
import type { SourceView } from '../../../src/sources/source.schema';
import { api, errorMessage } from '../api/client';
import { useKeys, useSession, useSources } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { formatTime } from '../ui/format';

/** A secret shown once (a new key, a sign-in link), with a copy button. */
function SecretModal({
  title,
  secret,
  note,
  onClose,
}: {
  title: string;
  secret: string | null;
  note: string;
  onClose: () => void;
}) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title={title} size="lg">
      <Stack>
        <Alert color="yellow" title="Copy it now">
          {note}
        </Alert>
        <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {secret}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}
          </CopyButton>
          <Button variant="default" onClick={onClose}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function SourceCard({ source, keys, isAdmin }: { source: SourceView; keys: readonly ApiKeyView[]; isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const act = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      await queryClient.invalidateQueries({ queryKey: ['keys'] });
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };
  const active = keys.filter((key) => key.sourceId === source.id && !key.revokedAt);
  return (
    <Paper withBorder p="md" component="section" aria-label={source.name}>
      <Stack gap="sm">
        <Group justify="space-between">
          <div>
            <Title order={2} size="h4">
              {source.name}
            </Title>
            <Text size="sm" c="gray.7">
              <Code>{source.id}</Code>
            </Text>
          </div>
          {isAdmin && (
            <Group gap="xs">
              <Button
                variant="default"
                size="xs"
                onClick={() =>
                  act(async () => {
                    const created = await api<{ key: string }>('POST', '/api/keys', {
                      body: { kind: 'source', sourceId: source.id },
                    });
                    setNewKey(created.key);
                  })
                }
              >
                New API key
              </Button>
              <Button
                variant="default"
                size="xs"
                onClick={() =>
                  act(async () => {
                    const made = await api<{ url: string }>(
                      'POST',
                      `/api/sources/${encodeURIComponent(source.id)}/sign-in-links`,
                    );
                    setLink(made.url);
                  })
                }
              >
                Sign-in link
              </Button>
            </Group>
          )}
        </Group>
        {error && <ErrorNotice title="Something went wrong">{error}</ErrorNotice>}
        <Group gap="xs">
          <Text size="sm" fw={500}>
            Submission docs:
          </Text>
          {source.flows.length === 0 && (
            <Text size="sm" c="gray.7">
              not in any flow yet
            </Text>
          )}
          {source.flows.map((flowId) => (
            <Anchor
              key={flowId}
              component={Link}
              to={`/sources/${encodeURIComponent(source.id)}/docs/${encodeURIComponent(flowId)}`}
              size="sm"
            >
              {flowId}
            </Anchor>
          ))}
        </Group>
        {isAdmin && (
          <Table aria-label={`API keys of ${source.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Key</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {active.map((key) => (
                <Table.Tr key={key.id}>
                  <Table.Td>
                    <Code>{key.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>{key.name}</Table.Td>
                  <Table.Td>{formatTime(key.createdAt)}</Table.Td>
                  <Table.Td ta="right">
                    <Button
                      size="xs"
                      color="red"
                      variant="subtle"
                      aria-label={`Revoke key ${key.prefix}`}
                      onClick={() => act(() => api('DELETE', `/api/keys/${encodeURIComponent(key.id)}`))}
                    >
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
              {active.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>
                    <Text size="sm" c="gray.7">
                      No active keys.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      <SecretModal
        title={`New API key for ${source.name}`}
        secret={newKey}
        note="This key is shown this once. Give it to the source: it signs their submissions and their sign-in."
        onClose={() => setNewKey(null)}
      />
      <SecretModal
        title={`Sign-in link for ${source.name}`}
        secret={link}
        note="Send this link to the source. It signs them in once, within a day."
        onClose={() => setLink(null)}
      />
    </Paper>
  );
}

/** Sources: their API keys (a new key shown once), sign-in links, and their submission docs. */
export function SourcesPage() {
  const session = useSession();
  const isAdmin = session.data?.kind === 'admin';
  const sources = useSources();
  const keys = useKeys(isAdmin);
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setError(null);
    try {
      await api('PUT', `/api/sources/${encodeURIComponent(String(form.get('id')))}`, {
        body: { name: form.get('name') },
      });
      formElement.reset();
      await queryClient.invalidateQueries({ queryKey: ['sources'] });
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Sources</Title>
        {!isAdmin && <Badge variant="light">Your source</Badge>}
      </Group>
      {sources.error && <ErrorNotice title="Could not load sources">{errorMessage(sources.error)}</ErrorNotice>}
      {isAdmin && (
        <Paper withBorder p="md">
          <form onSubmit={create}>
            <Group align="end">
              <TextInput label="Source id" name="id" required placeholder="acme-media" w={200} />
              <TextInput label="Source name" name="name" required placeholder="Acme Media" w={260} />
              <Button type="submit">Add source</Button>
            </Group>
          </form>
          {error && (
            <Text c="var(--lp-text-bad)" size="sm" role="alert" mt="xs">
              {error}
            </Text>
          )}
        </Paper>
      )}
      {(sources.data ?? []).map((source) => (
        <SourceCard key={source.id} source={source} keys={keys.data ?? []} isAdmin={isAdmin} />
      ))}
    </Stack>
  );
}
