import { Anchor, Loader, Paper, Stack, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, errorMessage } from '../api/client';
import { useImport } from '../api/hooks';
import type { ImportView } from '../api/imports';
import { useImportProgress } from '../api/progress';
import { ImportProgress } from '../imports/import-progress';
import { ImportSummary } from '../imports/import-summary';
import { ErrorNotice } from '../ui/error-notice';

/** One batch job: its progress while it runs (with cancel), its summary after (with revert). */
export function JobPage() {
  const { id = '' } = useParams();
  const view = useImport(id);
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = view.data?.status === 'queued' || view.data?.status === 'processing';
  useImportProgress(id, running);

  const act = (action: 'cancel' | 'revert') => async () => {
    setBusy(true);
    setError(null);
    try {
      queryClient.setQueryData(
        ['imports', id],
        await api<ImportView>('POST', `/api/imports/${encodeURIComponent(id)}/${action}`),
      );
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack>
      <Anchor component={Link} to="/jobs" size="sm">
        ← Batch jobs
      </Anchor>
      <Title order={1}>Import {view.data ? view.data.fileName : ''}</Title>
      {view.isPending && <Loader aria-label="Loading the import" />}
      {view.error && <ErrorNotice title="Could not load the import">{errorMessage(view.error)}</ErrorNotice>}
      {view.data && (
        <Paper withBorder p="lg">
          {view.data.status === 'uploaded' ? (
            <Anchor component={Link} to={`/imports/${id}`}>
              This import is still being prepared: continue in the wizard
            </Anchor>
          ) : running ? (
            <ImportProgress view={view.data} onCancel={act('cancel')} cancelling={busy} />
          ) : (
            <ImportSummary view={view.data} reverting={busy} error={error} onRevert={act('revert')} />
          )}
        </Paper>
      )}
    </Stack>
  );
}
