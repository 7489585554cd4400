import { Alert, Button, Group, Input, NativeSelect, Paper, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { type FileRejection, useDropzone } from 'react-dropzone';
import { formatBytes } from '../../ui/format';

/** What the upload step hands on: the file and where its rows go ('' for flow/source: the file's columns). */
export interface UploadChoice {
  file: File;
  flowId: string;
  sourceId: string;
}

interface UploadStepProps {
  readonly flows: readonly { id: string; name: string }[];
  readonly sources: readonly { id: string; name: string; flows: readonly string[] }[];
  readonly initialSourceId?: string | undefined;
  readonly initialFlowId?: string | undefined;
  readonly busy: boolean;
  readonly error: string | null;
  readonly onNext: (choice: UploadChoice) => void;
}

// What the server reads (src/ingest): CSV and its relatives, and Excel workbooks.
const ACCEPT = {
  'text/csv': ['.csv'],
  'text/tab-separated-values': ['.tsv', '.tab'],
  'text/plain': ['.txt'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['.xlsx'],
  'application/vnd.ms-excel': ['.xls'],
};
// The server's default upload cap (LEADPORT_MAX_UPLOAD_MB); it answers 413 in words if it was set lower.
const MAX_BYTES = 512 * 1024 * 1024;
// "In the file" is the empty value: the rows' own flow_id and source_id columns say where each goes.
const FROM_FILE = '';

function rejectionMessage(rejection: FileRejection): string {
  const code = rejection.errors[0]?.code;
  if (code === 'file-too-large')
    return `${rejection.file.name} is ${formatBytes(rejection.file.size)}: files up to ${formatBytes(MAX_BYTES)} can be uploaded here (use the CLI for larger ones).`;
  if (code === 'file-invalid-type')
    return `${rejection.file.name} is not a file Leadport reads: choose a CSV, TSV, TXT, XLSX or XLS file.`;
  if (code === 'too-many-files') return 'Choose one file at a time.';
  return rejection.errors[0]?.message ?? `${rejection.file.name} cannot be used.`;
}

/** Step 1: where the leads go, and the file (dropped or chosen), checked for type and size at once. */
export function UploadStep({ flows, sources, initialFlowId, initialSourceId, busy, error, onNext }: UploadStepProps) {
  const [flowId, setFlowId] = useState(initialFlowId ?? flows[0]?.id ?? FROM_FILE);
  const sourcesOfFlow = sources.filter((source) => flowId === FROM_FILE || source.flows.includes(flowId));
  const [sourceId, setSourceId] = useState(initialSourceId ?? sourcesOfFlow[0]?.id ?? FROM_FILE);
  const [file, setFile] = useState<File | null>(null);
  const [rejected, setRejected] = useState<string | null>(null);
  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    accept: ACCEPT,
    maxSize: MAX_BYTES,
    multiple: false,
    noClick: true,
    // The "Choose a file" button is the keyboard way in; the drop area itself is for the mouse.
    noKeyboard: true,
    onDrop: (accepted, rejections) => {
      const first = rejections[0];
      setRejected(first ? rejectionMessage(first) : null);
      setFile(accepted[0] ?? null);
    },
  });
  const effectiveSource = sourcesOfFlow.some((source) => source.id === sourceId)
    ? sourceId
    : (sourcesOfFlow[0]?.id ?? FROM_FILE);

  return (
    <Stack>
      <Group grow align="start">
        <NativeSelect
          label="Flow"
          description="The flow the leads go into"
          value={flowId}
          onChange={(event) => setFlowId(event.currentTarget.value)}
          data={[
            ...flows.map((flow) => ({ value: flow.id, label: `${flow.name} (${flow.id})` })),
            { value: FROM_FILE, label: 'Each row names it (flow_id column)' },
          ]}
        />
        <NativeSelect
          label="Source"
          description="Who sent the leads"
          value={effectiveSource}
          onChange={(event) => setSourceId(event.currentTarget.value)}
          data={[
            ...sourcesOfFlow.map((source) => ({ value: source.id, label: `${source.name} (${source.id})` })),
            { value: FROM_FILE, label: 'Each row names it (source_id column)' },
          ]}
        />
      </Group>
      <div>
        <Input.Label htmlFor="import-file">File</Input.Label>
        <Paper
          {...getRootProps()}
          withBorder
          p="xl"
          mt={4}
          bg={isDragActive ? 'blue.0' : 'gray.0'}
          style={{
            borderStyle: 'dashed',
            borderWidth: 2,
            borderColor: isDragActive ? 'var(--mantine-color-blue-6)' : undefined,
          }}
        >
          <input {...getInputProps({ id: 'import-file' })} />
          <Stack align="center" gap="xs">
            <Text size="lg" fw={500}>
              {file ? file.name : 'Drop a CSV or Excel file here'}
            </Text>
            <Text size="sm" c="gray.7">
              {file ? formatBytes(file.size) : 'CSV, TSV, TXT, XLSX or XLS, up to 512 MB'}
            </Text>
            <Button variant="default" onClick={open}>
              {file ? 'Choose another file' : 'Choose a file'}
            </Button>
          </Stack>
        </Paper>
      </div>
      {rejected && (
        <Alert color="red" role="alert" title="This file cannot be imported">
          {rejected}
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert" title="The upload failed">
          {error}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button
          disabled={!file}
          loading={busy}
          onClick={() => file && onNext({ file, flowId, sourceId: effectiveSource })}
        >
          Next
        </Button>
      </Group>
    </Stack>
  );
}
