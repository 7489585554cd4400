import { Alert, Box, Button, Checkbox, Group, Input, NativeSelect, Paper, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { type FileRejection, useDropzone } from 'react-dropzone';
import { formatBytes } from '../../ui/format';

/**
 * What the upload step hands on: the file and where its rows go, one flow and source for every row, or
 * (routeByColumns) the flow and source each row names in its flow_id and source_id columns.
 */
export type UploadChoice =
  | { file: File; routeByColumns: false; flowId: string; sourceId: string }
  | { file: File; routeByColumns: true };

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

const ROUTE_BY_COLUMNS = 'My file has flow_id and source_id columns';

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
  const [flowId, setFlowId] = useState(initialFlowId ?? flows[0]?.id ?? '');
  const sourcesOfFlow = sources.filter((source) => source.flows.includes(flowId));
  const [sourceId, setSourceId] = useState(initialSourceId ?? sourcesOfFlow[0]?.id ?? '');
  const [routeByColumns, setRouteByColumns] = useState(false);
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
    : (sourcesOfFlow[0]?.id ?? '');
  const ready = file !== null && (routeByColumns || (flowId !== '' && effectiveSource !== ''));
  // While the rows name their own flow and source, the selects stay where they are (no jump), greyed out and
  // saying where each row's comes from.
  const flowOptions = routeByColumns
    ? [{ value: '', label: "From each row's flow_id column" }]
    : flows.map((flow) => ({ value: flow.id, label: `${flow.name} (${flow.id})` }));
  const sourceOptions = routeByColumns
    ? [{ value: '', label: "From each row's source_id column" }]
    : sourcesOfFlow.map((source) => ({ value: source.id, label: `${source.name} (${source.id})` }));

  return (
    <Stack>
      <Group grow align="start">
        <NativeSelect
          label="Flow"
          description="The flow the leads go into"
          value={routeByColumns ? '' : flowId}
          disabled={routeByColumns}
          onChange={(event) => setFlowId(event.currentTarget.value)}
          data={flowOptions}
          error={!routeByColumns && flows.length === 0 ? 'There is no flow to import into yet.' : undefined}
        />
        <NativeSelect
          label="Source"
          description="Who sent the leads"
          value={routeByColumns ? '' : effectiveSource}
          disabled={routeByColumns}
          onChange={(event) => setSourceId(event.currentTarget.value)}
          data={sourceOptions}
          error={
            !routeByColumns && flows.length > 0 && sourcesOfFlow.length === 0
              ? 'This flow has no source yet: attach one in the flow first.'
              : undefined
          }
        />
      </Group>
      {/* The question is the group's legend, not the checkbox's label: a label with "flow", "source" or "file"
          in it would answer to the Flow, Source and File labels that people (voice control) and tests find
          the other controls by. */}
      <Box component="fieldset" m={0} p={0} style={{ border: 0 }} aria-describedby="route-by-columns-help">
        <Text component="legend" size="sm" fw={600} p={0} mb={6}>
          {ROUTE_BY_COLUMNS}
        </Text>
        <Checkbox
          label="Yes: each row goes where its columns say"
          checked={routeByColumns}
          onChange={(event) => setRouteByColumns(event.currentTarget.checked)}
        />
        <Text id="route-by-columns-help" size="xs" c="gray.7" mt={4} ml={32}>
          A row naming an unknown flow or source, or a source its flow does not take, fails with that reason.
        </Text>
      </Box>
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
          disabled={!ready}
          loading={busy}
          onClick={() => {
            if (!file) return;
            onNext(
              routeByColumns
                ? { file, routeByColumns: true }
                : { file, routeByColumns: false, flowId, sourceId: effectiveSource },
            );
          }}
        >
          Next
        </Button>
      </Group>
    </Stack>
  );
}
