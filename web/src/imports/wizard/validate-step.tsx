import { Alert, Button, Group, Progress, Stack, Text, Title } from '@mantine/core';
import type { ImportView } from '../../api/imports';
import { Stats } from '../../ui/stats';
import { RowReportTable } from './row-report';

interface ValidateStepProps {
  readonly view: ImportView;
  readonly busy: boolean;
  readonly error: string | null;
  readonly onBack: () => void;
  readonly onRevalidate: () => void;
  readonly onStart: () => void;
}

/**
 * Step 4: the dry run's progress with live counts, then what the import would do and every row that would
 * fail, filterable by reason and fixable inline; then back to mapping or on to the import.
 */
export function ValidateStep({ view, busy, error, onBack, onRevalidate, onStart }: ValidateStepProps) {
  const validation = view.validation;
  const running = validation?.status === 'running';
  const percent = Math.round((validation?.fractionRead ?? 0) * 100);
  return (
    <Stack>
      {running && (
        <Stack gap={4}>
          <Text fw={500} id="validation-progress-label">
            Checking every row… {percent}%
          </Text>
          <Progress.Root size="lg">
            <Progress.Section value={percent} animated aria-labelledby="validation-progress-label" />
          </Progress.Root>
        </Stack>
      )}
      {validation && (
        <Stats
          items={[
            { label: 'Rows', value: validation.total },
            { label: 'Would create', value: validation.created, color: 'var(--lp-text-good)' },
            { label: 'Would update', value: validation.updated, color: 'var(--lp-text-info)' },
            { label: 'Unchanged', value: validation.unchanged },
            { label: 'Duplicates', value: validation.duplicates, color: 'var(--lp-text-warn)' },
            { label: 'Would reject', value: validation.failed, color: 'var(--lp-text-bad)' },
          ]}
        />
      )}
      {validation?.status === 'failed' && (
        <Alert color="red" role="alert" title="Validation failed">
          {validation.error ?? 'The file could not be checked.'}
        </Alert>
      )}
      {(view.fixed ?? 0) > 0 && (
        <Text size="sm" c="gray.7">
          {view.fixed} rows fixed inline; the import uses the fixed values.
        </Text>
      )}
      {error && (
        <Alert color="red" role="alert" title="Could not go on">
          {error}
        </Alert>
      )}
      {validation?.status === 'completed' && (
        <>
          <Title order={2} size="h4">
            Rows that would fail
          </Title>
          <RowReportTable importId={view.id} editable label="Rows that would fail" />
        </>
      )}
      <Group justify="space-between">
        <Group>
          <Button variant="default" onClick={onBack} disabled={running}>
            Back to mapping
          </Button>
          {(view.fixed ?? 0) > 0 && (
            <Button variant="default" onClick={onRevalidate} disabled={running || busy}>
              Check again
            </Button>
          )}
        </Group>
        <Button onClick={onStart} loading={busy} disabled={running || validation?.status === 'failed'}>
          Start import
        </Button>
      </Group>
    </Stack>
  );
}
