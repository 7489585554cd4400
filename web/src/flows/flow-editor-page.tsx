import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Checkbox,
  Code,
  Grid,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { STANDARD_FIELDS } from '../../../src/core/catalogue';
import { FIELD_TYPES } from '../../../src/core/field-types';
import { FIELD_UPDATE_POLICIES } from '../../../src/core/flow-spec';
import { parseFlowDefinition } from '../../../src/flows/flow.schema';
import { api, errorMessage } from '../api/client';
import { useFlow, useSources } from '../api/hooks';
import { ErrorNotice } from '../ui/error-notice';
import { type Definition, definitionOf, type FieldDefinition, newDefinition } from './definition';
import { RuleBuilder } from './rule-builder';

const POLICY_WORDS: Record<string, string> = {
  always: 'Always overwrite',
  if_new_non_empty: 'When the new value is not empty',
  if_empty: 'Only when the stored value is empty',
};

// The same checks as `leadport flows apply` and the server, run here as the user types (flow.schema.ts).
function problemsOf(definition: Definition): string | null {
  try {
    parseFlowDefinition(definition);
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

function FieldsEditor({
  fields,
  onChange,
}: {
  fields: FieldDefinition[];
  onChange: (fields: FieldDefinition[]) => void;
}) {
  const [custom, setCustom] = useState('');
  const used = new Set(fields.map((field) => field.name));
  const update = (index: number, patch: Partial<FieldDefinition>) =>
    onChange(fields.map((field, i) => (i === index ? { ...field, ...patch } : field)));
  return (
    <Stack gap="xs">
      <Table aria-label="Fields">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Field</Table.Th>
            <Table.Th>Label</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Required</Table.Th>
            <Table.Th>Remove</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {fields.map((field, index) => {
            const standard = STANDARD_FIELDS.find((candidate) => candidate.name === field.name);
            return (
              <Table.Tr key={field.name}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {field.name}
                  </Text>
                  <Text size="xs" c="gray.7">
                    {standard ? 'standard' : 'custom'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <TextInput
                    size="xs"
                    aria-label={`Label of ${field.name}`}
                    value={field.label ?? standard?.label ?? ''}
                    onChange={(event) => update(index, { label: event.currentTarget.value || undefined })}
                  />
                </Table.Td>
                <Table.Td>
                  <NativeSelect
                    size="xs"
                    aria-label={`Type of ${field.name}`}
                    value={field.type ?? standard?.type ?? 'string'}
                    data={[...FIELD_TYPES]}
                    onChange={(event) => update(index, { type: event.currentTarget.value as FieldDefinition['type'] })}
                  />
                  {(field.type ?? standard?.type) === 'choice' && (
                    <TextInput
                      size="xs"
                      mt={4}
                      aria-label={`Choices of ${field.name}`}
                      placeholder="choice a, choice b"
                      defaultValue={(field.choices ?? [])
                        .map((choice) => (typeof choice === 'string' ? choice : choice.value))
                        .join(', ')}
                      onBlur={(event) =>
                        update(index, {
                          choices: event.currentTarget.value
                            .split(',')
                            .map((part) => part.trim())
                            .filter(Boolean),
                        })
                      }
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <Checkbox
                    aria-label={`${field.name} is required`}
                    checked={field.required ?? false}
                    onChange={(event) => update(index, { required: event.currentTarget.checked || undefined })}
                  />
                </Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={`Remove ${field.name}`}
                    onClick={() => onChange(fields.filter((_, i) => i !== index))}
                  >
                    ×
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Group align="end">
        <NativeSelect
          label="Add a standard field"
          value=""
          data={[
            { value: '', label: 'Choose…' },
            ...STANDARD_FIELDS.filter((field) => !used.has(field.name)).map((field) => ({
              value: field.name,
              label: `${field.label} (${field.name})`,
            })),
          ]}
          onChange={(event) => event.currentTarget.value && onChange([...fields, { name: event.currentTarget.value }])}
          w={240}
        />
        <TextInput
          label="Custom field name"
          placeholder="roof_type"
          value={custom}
          onChange={(event) => setCustom(event.currentTarget.value)}
          w={200}
        />
        <Button
          variant="light"
          disabled={!/^[a-z][a-z0-9_]{0,63}$/.test(custom) || used.has(custom)}
          onClick={() => {
            onChange([...fields, { name: custom, type: 'string' }]);
            setCustom('');
          }}
        >
          Add custom field
        </Button>
      </Group>
    </Stack>
  );
}

function DuplicatesEditor({
  definition,
  onChange,
}: {
  definition: Definition;
  onChange: (duplicates: Definition['duplicates']) => void;
}) {
  const duplicates = definition.duplicates;
  const names = definition.fields.map((field) => field.name);
  if (!duplicates)
    return (
      <Group>
        <Text size="sm">Duplicates are not checked.</Text>
        <Button
          size="xs"
          variant="light"
          onClick={() =>
            onChange({
              keys: [names.includes('email') ? 'email' : (names[0] ?? 'email')],
              windowDays: 30,
              action: 'reject',
            })
          }
        >
          Check duplicates
        </Button>
      </Group>
    );
  const keys = duplicates.keys.map((key) => (Array.isArray(key) ? key.join('+') : key)).join(', ');
  const updating = duplicates.action === 'update' || duplicates.action === 'merge';
  return (
    <Stack gap="xs">
      <Group align="end">
        <TextInput
          label="Duplicate keys"
          description="Fields that identify a lead; a+b for a pair"
          defaultValue={keys}
          onBlur={(event) =>
            onChange({
              ...duplicates,
              keys: event.currentTarget.value
                .split(',')
                .map((part) => part.trim())
                .filter(Boolean)
                .map((part) => (part.includes('+') ? part.split('+').map((name) => name.trim()) : part)),
            })
          }
          w={240}
        />
        <NumberInput
          label="Within days"
          description="Empty: ever"
          value={duplicates.windowDays ?? ''}
          min={1}
          onChange={(value) => onChange({ ...duplicates, windowDays: typeof value === 'number' ? value : null })}
          w={120}
        />
        <NativeSelect
          label="When a duplicate arrives"
          value={duplicates.action ?? 'reject'}
          data={[
            { value: 'reject', label: 'Reject it' },
            { value: 'update', label: 'Update the stored lead' },
            { value: 'merge', label: 'Merge into the stored lead' },
          ]}
          onChange={(event) =>
            onChange({ ...duplicates, action: event.currentTarget.value as 'reject' | 'update' | 'merge' })
          }
          w={220}
        />
        <Button size="xs" variant="subtle" color="red" onClick={() => onChange(undefined)}>
          Stop checking duplicates
        </Button>
      </Group>
      {updating && (
        <Table aria-label="Update policy per field">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Update the stored value</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {names.map((name) => (
              <Table.Tr key={name}>
                <Table.Td>{name}</Table.Td>
                <Table.Td>
                  <NativeSelect
                    size="xs"
                    aria-label={`Update policy for ${name}`}
                    value={duplicates.fields?.[name] ?? 'if_new_non_empty'}
                    data={FIELD_UPDATE_POLICIES.map((policy) => ({
                      value: policy,
                      label: POLICY_WORDS[policy] ?? policy,
                    }))}
                    onChange={(event) =>
                      onChange({
                        ...duplicates,
                        fields: {
                          ...duplicates.fields,
                          [name]: event.currentTarget.value as (typeof FIELD_UPDATE_POLICIES)[number],
                        },
                      })
                    }
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/**
 * A flow's editor: fields, acceptance rules, duplicate policy (with the update policy per field), webhook
 * and sources as a form, with the flow's JSON (flows as code) beside it; either side edits the same
 * definition, which PUT /api/flows/:id applies.
 */
export function FlowEditorPage() {
  const { id = 'new' } = useParams();
  const isNew = id === 'new';
  const flow = useFlow(isNew ? null : id);
  const sources = useSources();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [definition, setDefinition] = useState<Definition | null>(isNew ? newDefinition() : null);
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (flow.data && !definition) setDefinition(definitionOf(flow.data));
  }, [flow.data, definition]);
  useEffect(() => {
    if (definition) setJson(JSON.stringify(definition, null, 2));
  }, [definition]);

  if (!isNew && flow.isPending) return <Loader aria-label="Loading the flow" />;
  if (flow.error) return <ErrorNotice title="Could not load the flow">{errorMessage(flow.error)}</ErrorNotice>;
  if (!definition) return null;

  const edit = (patch: Partial<Definition>) => {
    setSaved(null);
    setDefinition({ ...definition, ...patch });
  };
  const problems = problemsOf(definition);
  const fieldNames = definition.fields.map((field) => field.name);
  const attached = new Set((definition.sources ?? []).map((source) => source.id));

  const save = async () => {
    setError(null);
    try {
      const result = await api<{ id: string; result: string }>(
        'PUT',
        `/api/flows/${encodeURIComponent(definition.id)}`,
        { body: definition },
      );
      setSaved(`Flow ${result.result}.`);
      await queryClient.invalidateQueries({ queryKey: ['flows'] });
      await queryClient.invalidateQueries({ queryKey: ['sources'] });
      if (isNew) navigate(`/flows/${encodeURIComponent(result.id)}`, { replace: true });
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  return (
    <Stack>
      <Anchor component={Link} to="/flows" size="sm">
        ← Flows
      </Anchor>
      <Group justify="space-between">
        <Title order={1}>{isNew ? 'New flow' : definition.name}</Title>
        <Group>
          {saved && (
            <Text c="var(--lp-text-good)" role="status">
              {saved}
            </Text>
          )}
          <Button onClick={save} disabled={Boolean(problems)}>
            Save flow
          </Button>
        </Group>
      </Group>
      {error && <ErrorNotice title="The flow was not saved">{error}</ErrorNotice>}
      <Grid gap="lg">
        <Grid.Col span={7}>
          <Stack>
            <Paper withBorder p="md">
              <Group grow>
                <TextInput
                  label="Flow id"
                  value={definition.id}
                  // Readable, not greyed out: the id is fixed once the flow exists (URLs and files name it).
                  readOnly={!isNew}
                  variant={isNew ? 'default' : 'filled'}
                  onChange={(event) => edit({ id: event.currentTarget.value })}
                  required
                />
                <TextInput
                  label="Flow name"
                  value={definition.name}
                  onChange={(event) => edit({ name: event.currentTarget.value })}
                  required
                />
                <TextInput
                  label="Default phone region"
                  value={definition.defaultPhoneRegion ?? 'US'}
                  maxLength={2}
                  onChange={(event) => edit({ defaultPhoneRegion: event.currentTarget.value.toUpperCase() })}
                />
              </Group>
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="xs">
                Fields
              </Title>
              <FieldsEditor fields={definition.fields} onChange={(fields) => edit({ fields })} />
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="xs">
                Acceptance criteria
              </Title>
              <RuleBuilder
                value={definition.acceptance}
                fields={fieldNames}
                onChange={(acceptance) => edit({ acceptance })}
              />
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="xs">
                Duplicates
              </Title>
              <DuplicatesEditor definition={definition} onChange={(duplicates) => edit({ duplicates })} />
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="xs">
                Sources and webhook
              </Title>
              <Stack gap="xs">
                <Group gap="lg">
                  {(sources.data ?? []).map((source) => (
                    <Checkbox
                      key={source.id}
                      label={source.name}
                      checked={attached.has(source.id)}
                      onChange={(event) =>
                        edit({
                          sources: event.currentTarget.checked
                            ? [...(definition.sources ?? []), { id: source.id, name: source.name }]
                            : (definition.sources ?? []).filter((item) => item.id !== source.id),
                        })
                      }
                    />
                  ))}
                  {sources.data?.length === 0 && <Text size="sm">No sources yet: add them on the Sources page.</Text>}
                </Group>
                <TextInput
                  label="Webhook URL"
                  description="Leadport POSTs here when an import of this flow ends"
                  placeholder="https://example.com/hooks/leadport"
                  value={definition.webhook?.url ?? ''}
                  onChange={(event) =>
                    edit({ webhook: event.currentTarget.value ? { url: event.currentTarget.value } : undefined })
                  }
                />
              </Stack>
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={5}>
          <Paper withBorder p="md" pos="sticky" top={72}>
            <Title order={2} size="h4" mb="xs">
              Flow JSON
            </Title>
            <Textarea
              aria-label="Flow JSON"
              description={
                <>
                  The same definition <Code fz="inherit">leadport flows apply</Code> takes; edit either side.
                </>
              }
              value={json}
              // As tall as the window leaves room for, so the panel (sticky) never runs below it.
              styles={{
                input: {
                  fontFamily: 'var(--mantine-font-family-monospace)',
                  fontSize: 12,
                  height: 'calc(100vh - 250px)',
                  minHeight: 240,
                },
              }}
              onChange={(event) => {
                const text = event.currentTarget.value;
                setJson(text);
                try {
                  const parsed = JSON.parse(text) as Definition;
                  setJsonError(null);
                  setSaved(null);
                  setDefinition(parsed);
                } catch (caught) {
                  setJsonError(errorMessage(caught));
                }
              }}
            />
            {jsonError && (
              <Text size="xs" c="var(--lp-text-bad)" role="alert" mt={4}>
                Not valid JSON: {jsonError}
              </Text>
            )}
            {problems && (
              <Alert color="orange" mt="sm" title="Fix before saving" role="status">
                <Text size="xs" style={{ whiteSpace: 'pre-wrap' }}>
                  {problems}
                </Text>
              </Alert>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
