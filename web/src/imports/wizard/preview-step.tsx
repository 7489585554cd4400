import {
  Alert,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Paper,
  ScrollArea,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { Link } from 'react-router';
import type { ReadOptions, UploadPreview } from '../../api/imports';
import { formatTime } from '../../ui/format';

interface PreviewStepProps {
  readonly preview: UploadPreview;
  readonly busy: boolean;
  readonly onOverride: (options: ReadOptions) => void;
  readonly onNext: () => void;
}

const ENCODINGS = ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252'];
const DELIMITERS = [
  { value: ',', label: 'Comma ( , )' },
  { value: ';', label: 'Semicolon ( ; )' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe ( | )' },
];

function withCurrent(options: { value: string; label: string }[], current: string | null) {
  return current && !options.some((option) => option.value === current)
    ? [{ value: current, label: current }, ...options]
    : options;
}

/**
 * Step 2: the first rows as they will be read, what was detected and why, each with an override, and the
 * warnings (repaired damage, mojibake, the same file imported before, a template applied).
 */
export function PreviewStep({ preview, busy, onOverride, onNext }: PreviewStepProps) {
  const isText = preview.format !== 'xlsx' && preview.format !== 'xls';
  return (
    <Stack>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          How the file is read
        </Title>
        <SimpleGrid cols={isText ? 4 : 2} spacing="lg">
          {isText && (
            <NativeSelect
              label="Encoding"
              description={preview.evidence.encoding}
              value={preview.encoding ?? ''}
              disabled={busy}
              onChange={(event) => onOverride({ encoding: event.currentTarget.value })}
              data={withCurrent(
                ENCODINGS.map((value) => ({ value, label: value })),
                preview.encoding,
              )}
            />
          )}
          {isText && (
            <NativeSelect
              label="Delimiter"
              description={preview.evidence.delimiter}
              value={preview.delimiter ?? ','}
              disabled={busy}
              onChange={(event) => onOverride({ delimiter: event.currentTarget.value })}
              data={withCurrent(DELIMITERS, preview.delimiter)}
            />
          )}
          {!isText && (
            <NativeSelect
              label="Sheet"
              description={preview.evidence.sheet}
              value={preview.sheet ?? ''}
              disabled={busy}
              onChange={(event) => onOverride({ sheet: event.currentTarget.value })}
              data={preview.sheets}
            />
          )}
          <Stack gap={4}>
            <Checkbox
              mt="lg"
              label="First row is a header row"
              checked={preview.hasHeader}
              disabled={busy}
              onChange={(event) => onOverride({ hasHeader: event.currentTarget.checked })}
            />
            {preview.evidence.hasHeader && (
              <Text size="xs" c="gray.7">
                {preview.evidence.hasHeader}
              </Text>
            )}
          </Stack>
          <div>
            <Text size="sm" fw={500}>
              Format
            </Text>
            <Text size="sm">{preview.format.toUpperCase()}</Text>
          </div>
        </SimpleGrid>
      </Paper>
      {preview.previousImport && (
        <Alert color="yellow" title="This file was imported before" role="status">
          The same file ({preview.previousImport.fileName}) was imported on{' '}
          {formatTime(preview.previousImport.createdAt)}.{' '}
          <Link to={`/jobs/${preview.previousImport.id}`}>See that import</Link>. Importing it again updates or rejects
          duplicates as the flow says.
        </Alert>
      )}
      {preview.suggestedTemplate && (
        <Alert color="blue" title="Template applied" role="status">
          The saved template “{preview.suggestedTemplate.name}” matches these headers; its mapping is applied.
        </Alert>
      )}
      {preview.warnings.map((warning) => (
        <Alert key={warning} color="yellow" role="status">
          {warning}
        </Alert>
      ))}
      {preview.problems.map((problem) => (
        <Alert key={problem} color="red" role="alert">
          {problem}
        </Alert>
      ))}
      <Title order={2} size="h4">
        First rows
      </Title>
      <ScrollArea type="auto" offsetScrollbars>
        <Table withTableBorder withColumnBorders striped aria-label="First rows of the file">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              {preview.columns.map((column) => (
                <Table.Th key={column.index} style={{ whiteSpace: 'nowrap' }}>
                  {column.header}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.sampleRows.map((row, rowIndex) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the sample rows are a fixed, ordered list.
              <Table.Tr key={rowIndex}>
                <Table.Td c="gray.7">{rowIndex + (preview.hasHeader ? 2 : 1)}</Table.Td>
                {preview.columns.map((column) => (
                  <Table.Td
                    key={column.index}
                    style={{ whiteSpace: 'nowrap', maxWidth: 260, overflow: 'hidden', textOverflow: 'ellipsis' }}
                  >
                    {row[column.index] ?? ''}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      <Group justify="flex-end">
        <Button onClick={onNext} disabled={busy}>
          Next
        </Button>
      </Group>
    </Stack>
  );
}
