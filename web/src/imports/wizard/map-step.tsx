import { Alert, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { PreviewColumn } from '../../../../src/imports/preview.service';
import { sentence } from '../../ui/format';

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
  /** The flow's fields; for a routed file, flow_id, source_id and the fields of every flow (routing.ts). */
  readonly fields: readonly MappableField[];
  /** Each row names its flow and source: no custom fields (the rows go to several flows). */
  readonly routed?: boolean;
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

// The server's words for the column's sample check ("12 of 20 sample values are not valid emails (e.g.
// ...)"): its message already quotes an example.
function sampleCheck(column: PreviewColumn) {
  const sample = column.sample;
  if (!sample || sample.checked === 0) return null;
  return (
    <Text size="xs" mt={4} c={sample.invalid === 0 ? 'var(--lp-text-good)' : 'var(--lp-text-bad)'}>
      {sentence(sample.message)}
    </Text>
  );
}

// How the column was matched, in the server's words ("field name or label", "chosen by the user"). A
// skipped column's note ends with the API's way to keep it ("skipped; to keep it ..., map it to +name"); here
// the dropdown's "New custom field" option is the way, so that part is said in the dropdown's words.
const CUSTOM_OFFER = 'skipped; to keep it';
function matchNote(column: PreviewColumn, routed: boolean): string | null {
  const note = column.note ?? '';
  const before = note.includes(CUSTOM_OFFER) ? note.slice(0, note.indexOf(CUSTOM_OFFER)).replace(/;\s*$/, '') : note;
  const said = before ? sentence(before) : null;
  if (column.field !== null || !column.customField || routed) return said;
  const offer = `Skipped: choose New custom field “${column.customField}” to keep it.`;
  return said ? `${said}. ${offer}` : offer;
}

/**
 * Step 3: every column with its suggested field and confidence, a dropdown to change it (a field, skip, or
 * a new custom field), each column's sample check, the required fields that are still unmapped, and saving
 * the mapping as a template.
 */
export function MapStep(props: MapStepProps) {
  const {
    columns,
    sampleRows,
    fields,
    routed = false,
    missingRequired,
    busy,
    error,
    onChange,
    onSaveTemplate,
    onBack,
    onValidate,
  } = props;
  const [templateName, setTemplateName] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const byName = new Map(fields.map((field) => [field.name, field]));
  const missing = missingRequired.map((name) => byName.get(name)?.label ?? name);

  return (
    <Stack>
      {routed && (
        <Alert color="blue" title="Each row names its flow and source" role="status">
          Map the columns that hold them to Flow id and Source id; the other fields are those of every flow you can
          import into. A row naming an unknown flow or source, or a source the flow does not take, fails with that
          reason.
        </Alert>
      )}
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
              ...(column.customField && !routed
                ? [{ value: `+${column.customField}`, label: `New custom field “${column.customField}”` }]
                : []),
              ...(column.field && !byName.has(column.field) ? [{ value: column.field, label: column.field }] : []),
            ];
            const samples = sampleRows
              .map((row) => row[column.index] ?? '')
              .filter((value) => value !== '')
              .slice(0, 3);
            const note = matchNote(column, routed);
            return (
              <Table.Tr key={`${column.index}-${column.header}`}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    {column.header}
                  </Text>
                  {note && (
                    <Text size="xs" c="gray.7">
                      {note}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {samples.length === 0 ? (
                    <Text size="xs" c="gray.7">
                      (blank in the first rows)
                    </Text>
                  ) : (
                    samples.map((sample, i) => (
                      <Text
                        // biome-ignore lint/suspicious/noArrayIndexKey: the same value can be in two rows.
                        key={i}
                        size="xs"
                        c="gray.8"
                        title={sample}
                        maw={240}
                        style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
                      >
                        {sample}
                      </Text>
                    ))
                  )}
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
            <Group h={36} align="center">
              <Text size="sm" c="var(--lp-text-good)" role="status">
                {saved ? `Saved “${saved}”. Files with these headers get this mapping.` : ''}
              </Text>
            </Group>
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
