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
import { formatTime, sentence } from '../../ui/format';

interface PreviewStepProps {
  readonly preview: UploadPreview;
  readonly busy: boolean;
  readonly onOverride: (options: ReadOptions) => void;
  readonly onNext: () => void;
}

const ENCODINGS = [
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'utf-8-bom', label: 'UTF-8 with BOM' },
  { value: 'utf-16le', label: 'UTF-16 LE' },
  { value: 'utf-16be', label: 'UTF-16 BE' },
  { value: 'windows-1252', label: 'Windows-1252 (Western European)' },
];
const FORMAT_NAMES: Record<string, string> = {
  csv: 'CSV (text)',
  xlsx: 'Excel workbook (XLSX)',
  xls: 'Excel 97-2003 workbook (XLS)',
};
const DELIMITERS = [
  { value: ',', label: 'Comma ( , )' },
  { value: ';', label: 'Semicolon ( ; )' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe ( | )' },
];

// The evidence is the server's words; shown under its control, it reads as a sentence.
function evidence(text: string | undefined): string | undefined {
  return text ? sentence(text) : undefined;
}

// Every setting shows its label, then its control, then the evidence below it, so the controls line up
// whatever the length of the evidence.
const UNDER = ['label', 'input', 'description', 'error'] as ('label' | 'input' | 'description' | 'error')[];

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
        <SimpleGrid cols={isText ? 4 : 3} spacing="lg">
          {isText && (
            <NativeSelect
              label="Encoding"
              description={evidence(preview.evidence.encoding)}
              inputWrapperOrder={UNDER}
              value={preview.encoding ?? ''}
              disabled={busy}
              onChange={(event) => onOverride({ encoding: event.currentTarget.value })}
              data={withCurrent(ENCODINGS, preview.encoding)}
            />
          )}
          {isText && (
            <NativeSelect
              label="Delimiter"
              description={evidence(preview.evidence.delimiter)}
              inputWrapperOrder={UNDER}
              value={preview.delimiter ?? ','}
              disabled={busy}
              onChange={(event) => onOverride({ delimiter: event.currentTarget.value })}
              data={withCurrent(DELIMITERS, preview.delimiter)}
            />
          )}
          {!isText && (
            <NativeSelect
              label="Sheet"
              description={evidence(preview.evidence.sheet)}
              inputWrapperOrder={UNDER}
              value={preview.sheet ?? ''}
              disabled={busy}
              onChange={(event) => onOverride({ sheet: event.currentTarget.value })}
              data={preview.sheets}
            />
          )}
          <div>
            <Text size="sm" fw={600} aria-hidden>
              Header row
            </Text>
            <Group h={36} mt={4} align="center">
              <Checkbox
                label="First row is a header row"
                checked={preview.hasHeader}
                disabled={busy}
                onChange={(event) => onOverride({ hasHeader: event.currentTarget.checked })}
              />
            </Group>
            {preview.evidence.hasHeader && (
              <Text size="xs" c="gray.7" mt={4}>
                {evidence(preview.evidence.hasHeader)}
              </Text>
            )}
          </div>
          <div>
            <Text size="sm" fw={600}>
              Format
            </Text>
            <Group h={36} mt={4} align="center">
              <Text size="sm">{FORMAT_NAMES[preview.format] ?? preview.format.toUpperCase()}</Text>
            </Group>
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
