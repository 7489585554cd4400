import { Alert, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { api, errorMessage } from '../../api/client';
import { importSchema } from '../../../../src/imports/import.schema';
import { mappingResultSchema, uploadResultSchema } from '../../../../src/imports/upload.schema';
import {
  useFieldsOfFlows,
  useFlow,
  useFlows,
  useImport,
  useSession,
  useSources,
  useSubmissionDocs,
} from '../../api/hooks';
import type { MappingChoices, ReadOptions, UploadPreview } from '../../api/imports';
import { useImportProgress } from '../../api/progress';
import { ErrorNotice } from '../../ui/error-notice';
import { ImportProgress } from '../import-progress';
import { ImportSummary } from '../import-summary';
import { MapStep } from './map-step';
import { PreviewStep } from './preview-step';
import { routingTargets } from './routing';
import { StepIndicator } from './step-indicator';
import { stepOf } from './steps';
import { type UploadChoice, UploadStep } from './upload-step';
import { ValidateStep } from './validate-step';

/**
 * The import wizard at /imports/new and /imports/:id. Its step follows the import's state on the server
 * (steps.ts), so a reload, a second tab or a shared link shows the same step; the URL's `?step=` only
 * chooses among the steps of an import still being prepared.
 */
export function WizardPage() {
  const { id } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const isAdmin = session.data?.kind === 'admin';
  const flows = useFlows(isAdmin);
  const sources = useSources();
  const view = useImport(id);
  const step = stepOf(view.data, params.get('step'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The preview of an upload being prepared: PUT with no change answers it, so a reload gets it back. Its
  // key is outside ['imports', ...], so refreshing the import never sends that PUT again.
  const preview = useQuery({
    queryKey: ['import-preview', id],
    queryFn: async () =>
      (
        await api('PUT', `/api/imports/${encodeURIComponent(id ?? '')}/mapping`, {
          body: {},
          schema: mappingResultSchema,
        })
      ).preview,
    enabled: Boolean(id) && view.data?.status === 'uploaded',
    staleTime: Number.POSITIVE_INFINITY,
  });
  // The mapping's target fields: the flow (admins), or the source's submission docs of it (sources).
  const flow = useFlow(isAdmin ? view.data?.flowId : null);
  const docs = useSubmissionDocs(
    !isAdmin && view.data?.flowId ? view.data.flowId : '',
    !isAdmin && view.data?.sourceId ? view.data.sourceId : '',
  );
  const running =
    view.data?.status === 'queued' || view.data?.status === 'processing' || view.data?.validation?.status === 'running';
  useImportProgress(id, running);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  };
  const path = (suffix: string) => `/api/imports/${encodeURIComponent(id ?? '')}${suffix}`;
  const goTo = (next: string) => setParams({ step: next }, { replace: false });
  const remap = (body: { options?: ReadOptions; mapping?: MappingChoices }) =>
    run(async () => {
      const answer = await api('PUT', path('/mapping'), { body, schema: mappingResultSchema });
      queryClient.setQueryData(['imports', id], answer.import);
      queryClient.setQueryData(['import-preview', id], answer.preview);
    });
  const readOptions = (current: UploadPreview): ReadOptions => ({
    ...(current.encoding ? { encoding: current.encoding } : {}),
    ...(current.delimiter ? { delimiter: current.delimiter } : {}),
    ...(current.sheet ? { sheet: current.sheet } : {}),
    hasHeader: current.hasHeader,
  });

  const upload = (choice: UploadChoice) =>
    run(async () => {
      const form = new FormData();
      if (choice.routeByColumns) form.set('routeByColumns', 'true');
      else {
        form.set('flowId', choice.flowId);
        form.set('sourceId', choice.sourceId);
      }
      form.set('file', choice.file);
      const result = await api('POST', '/api/imports', { body: form, schema: uploadResultSchema });
      queryClient.setQueryData(['import-preview', result.id], result.preview);
      navigate(`/imports/${result.id}?step=preview`);
    });
  const validate = () =>
    run(async () => {
      queryClient.setQueryData(['imports', id], await api('POST', path('/validate'), { schema: importSchema }));
      goTo('validate');
    });
  const start = () =>
    run(async () => {
      queryClient.setQueryData(['imports', id], await api('POST', path('/start'), { schema: importSchema }));
    });
  const cancel = () =>
    run(async () => {
      queryClient.setQueryData(['imports', id], await api('POST', path('/cancel'), { schema: importSchema }));
    });
  const revert = () =>
    run(async () => {
      queryClient.setQueryData(['imports', id], await api('POST', path('/revert'), { schema: importSchema }));
    });
  const saveTemplate = async (name: string) => {
    const current = view.data;
    const columns = preview.data?.columns ?? [];
    if (!current?.flowId) return;
    await api('POST', '/api/templates', {
      body: {
        flowId: current.flowId,
        name,
        mapping: Object.fromEntries(columns.map((column) => [column.header, column.field])),
      },
    });
    await queryClient.invalidateQueries({ queryKey: ['templates'] });
  };

  const sourceOptions = sources.data ?? [];
  const flowOptions = isAdmin
    ? (flows.data ?? [])
    : [...new Set(sourceOptions.flatMap((source) => source.flows))].map((flowId) => ({ id: flowId, name: flowId }));
  // A file whose rows name their flow maps to the fields of every flow the user may import into.
  const routed = view.data?.routeByColumns === true;
  const routing = useFieldsOfFlows(
    routed ? flowOptions.map((option) => option.id) : [],
    isAdmin ? null : (session.data?.sourceId ?? null),
  );
  const fields = routed
    ? routingTargets(routing.flows)
    : (flow.data?.fields ?? docs.data?.fields ?? []).map((field) => ({
        name: field.name,
        label: field.label,
        type: field.type,
        required: field.required,
      }));

  // Loaders are named only "Loading": a name with "flow", "source" or "file" in it would answer to the
  // steps' Flow, Source and File labels while the step loads.
  let body: ReactNode;
  if (id && view.isPending) body = <Loader aria-label="Loading" />;
  else if (id && view.error)
    body = <ErrorNotice title="Could not load the import">{errorMessage(view.error)}</ErrorNotice>;
  else if (step === 'upload')
    body =
      (isAdmin && flows.isPending) || sources.isPending ? (
        <Loader aria-label="Loading" />
      ) : (
        <UploadStep
          flows={flowOptions}
          sources={sourceOptions}
          initialFlowId={params.get('flow') ?? undefined}
          initialSourceId={params.get('source') ?? undefined}
          busy={busy}
          error={error}
          onNext={upload}
        />
      );
  else if (view.data && (step === 'preview' || step === 'map')) {
    const current = preview.data;
    if (!current)
      body = preview.error ? (
        <ErrorNotice title="Could not read the file">{errorMessage(preview.error)}</ErrorNotice>
      ) : (
        <Loader aria-label="Loading" />
      );
    else if (step === 'preview')
      body = (
        <PreviewStep
          preview={current}
          busy={busy}
          onOverride={(options) => remap({ options: { ...readOptions(current), ...options } })}
          onNext={() => goTo('map')}
        />
      );
    else
      body = (
        <MapStep
          columns={current.columns}
          sampleRows={current.sampleRows}
          fields={fields}
          routed={routed}
          missingRequired={current.missingRequired}
          busy={busy}
          error={error}
          onChange={(header, target) => remap({ mapping: { [header]: target } })}
          onSaveTemplate={isAdmin && view.data.flowId ? saveTemplate : null}
          onBack={() => goTo('preview')}
          onValidate={validate}
        />
      );
  } else if (view.data && step === 'validate')
    body = (
      <ValidateStep
        view={view.data}
        busy={busy}
        error={error}
        onBack={() => goTo('map')}
        onRevalidate={validate}
        onStart={start}
      />
    );
  else if (view.data && step === 'import')
    body = <ImportProgress view={view.data} onCancel={cancel} cancelling={busy} />;
  else if (view.data) body = <ImportSummary view={view.data} reverting={busy} error={error} onRevert={revert} />;

  return (
    <Stack>
      <div>
        <Title order={1}>Import leads</Title>
        {/* Always a line here, so the steps below do not move down once a file is chosen. */}
        <Text c="gray.7" size="sm">
          {id ? (view.data?.fileName ?? '\u00a0') : 'Choose where the leads go, and the file that holds them.'}
        </Text>
      </div>
      <StepIndicator current={step} />
      {error && step !== 'upload' && step !== 'map' && step !== 'validate' && step !== 'summary' && (
        <Alert color="red" role="alert" title="Something went wrong">
          {error}
        </Alert>
      )}
      <Paper withBorder p="lg">
        {body}
      </Paper>
    </Stack>
  );
}
