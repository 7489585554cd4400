import { Alert, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { PreviewColumn } from '../../../../src/imports/preview.service';

/** A flow field as the mapping offers it. */
export interface MappableField {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly required: boolean;
}

interface MapStepProps {
  readonly columns: readonly PreviewColumn[];
  readonly sampleRows: readonly (readonly string[])[];
  /** The flow's fields; empty when each row names its flow (the fields are then the columns' own). */
  readonly fields: readonly MappableField[];
  /** The flow's required fields no column maps to (the server's word). */
  readonly missingRequired: readonly string[];
  readonly busy: boolean;
  readonly error: string | null;
  readonly onChange: (header: string, target: string | null) => void;
  readonly onSaveTemplate: ((name: string) => Promise<void>) | null;
  readonly onBack: () => void;
  readonly onValidate: () => void;
}

const SKIP = '';

function confidenceBadge(column: PreviewColumn) {
  if (!column.field)
    return (
      <Text size="sm" c="gray.7">
        skipped
      </Text>
    );
  const percent = Math.round(column.confidence * 100);
  const color = percent >= 90 ? 'green' : percent >= 60 ? 'yellow' : 'orange';
  return (
    <Badge color={color} variant="light" aria-label={`${percent}% confident`}>
      {percent}%
    </Badge>
  );
}

// The server's words for the column's sample check ("12 of 20 sample values are not valid emails").
function sampleCheck(column: PreviewColumn) {
  const sample = column.sample;
  if (!sample || sample.checked === 0) return null;
  const example = sample.examples[0];
  return (
    <Text size="xs" c={sample.invalid === 0 ? 'var(--lp-text-good)' : 'var(--lp-text-bad)'}>
      {sample.message}
      {sample.invalid > 0 && example ? ` (e.g. “${example.value}”: ${example.issue})` : ''}
    </Text>
  );
}

/**
 * Step 3: every column with its suggested field and confidence, a dropdown to change it (a field, skip, or
 * a new custom field), each column's sample check, the required fields that are still unmapped, and saving
 * the mapping as a template.
 */
export function MapStep(props: MapStepProps) {
  const { columns, sampleRows, fields, missingRequired, busy, error, onChange, onSaveTemplate, onBack, onValidate } =
    props;
  const [templateName, setTemplateName] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const byName = new Map(fields.map((field) => [field.name, field]));
  const missing = missingRequired.map((name) => byName.get(name)?.label ?? name);

  return (
    <Stack>
      {missing.length > 0 && (
        <Alert color="orange" title="Required fields are not mapped" role="status">
          Map a column to {missing.join(', ')} before validating.
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert" title="The mapping cannot be used">
          {error}
        </Alert>
      )}
      <Table withTableBorder verticalSpacing="sm" aria-label="Column mapping">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="22%">Column</Table.Th>
            <Table.Th w="26%">Sample values</Table.Th>
            <Table.Th w="32%">Field</Table.Th>
            <Table.Th>Confidence</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {columns.map((column) => {
            const options = [
              { value: SKIP, label: '— Skip this column —' },
              ...fields.map((option) => ({
                value: option.name,
                label: `${option.label}${option.required ? ' (required)' : ''}`,
              })),
              ...(column.customField
                ? [{ value: `+${column.customField}`, label: `New custom field “${column.customField}”` }]
                : []),
              ...(column.field && !byName.has(column.field) ? [{ value: column.field, label: column.field }] : []),
            ];
            const samples = sampleRows
              .map((row) => row[column.index] ?? '')
              .filter((value) => value !== '')
              .slice(0, 3);
            return (
              <Table.Tr key={`${column.index}-${column.header}`}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    {column.header}
                  </Text>
                  {column.note && (
                    <Text size="xs" c="gray.7">
                      {column.note}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="gray.7" style={{ wordBreak: 'break-all' }}>
                    {samples.join(' · ') || '(blank)'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <NativeSelect
                    aria-label={`Field for column ${column.header}`}
                    value={column.field ?? SKIP}
                    disabled={busy}
                    data={options}
                    onChange={(event) =>
                      onChange(column.header, event.currentTarget.value === SKIP ? null : event.currentTarget.value)
                    }
                  />
                  {sampleCheck(column)}
                </Table.Td>
                <Table.Td>{confidenceBadge(column)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {onSaveTemplate && (
        <Paper withBorder p="md">
          <Group align="end">
            <TextInput
              label="Template name"
              description="Save this mapping to apply it to files with the same headers"
              value={templateName}
              onChange={(event) => setTemplateName(event.currentTarget.value)}
              w={360}
            />
            <Button
              variant="default"
              disabled={!templateName.trim()}
              onClick={async () => {
                await onSaveTemplate(templateName.trim());
                setSaved(templateName.trim());
                setTemplateName('');
              }}
            >
              Save as template
            </Button>
            {saved && (
              <Text size="sm" c="var(--lp-text-good)" role="status">
                Saved “{saved}”.
              </Text>
            )}
          </Group>
        </Paper>
      )}
      <Group justify="space-between">
        <Button variant="default" onClick={onBack}>
          Back
        </Button>
        <Button onClick={onValidate} loading={busy} disabled={missing.length > 0}>
          Validate
        </Button>
      </Group>
    </Stack>
  );
}
