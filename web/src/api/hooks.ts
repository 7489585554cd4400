import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiKeySchema, whoAmISchema } from '../../../src/auth/auth.schema';
import { reportSchema } from '../../../src/events/event.schema';
import { flowSchema, flowSummarySchema } from '../../../src/flows/flow.schema';
import { leadDetailSchema, leadListSchema } from '../../../src/leads/lead.schema';
import { notificationListSchema } from '../../../src/notifications/notification.schema';
import { sourceSchema, submissionDocsSchema } from '../../../src/sources/source.schema';
import { templateSchema } from '../../../src/templates/template.schema';
import { ApiError, api } from './client';
import { importSchema } from '../../../src/imports/import.schema';
import { rowReportSchema } from '../../../src/imports/row-report.schema';

// One hook per resource (house style); each query key starts with the resource's name, so a mutation can
// invalidate a whole resource at once.

/** Who is signed in; null when nobody is (the sign-in page shows then). */
export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        return await api('GET', '/api/auth/session', { schema: whoAmISchema });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function useFlows(enabled = true) {
  return useQuery({
    queryKey: ['flows'],
    queryFn: () => api('GET', '/api/flows', { schema: z.array(flowSummarySchema) }),
    enabled,
  });
}

export function useFlow(id: string | null | undefined) {
  return useQuery({
    queryKey: ['flows', id],
    queryFn: () => api('GET', `/api/flows/${encodeURIComponent(id ?? '')}`, { schema: flowSchema }),
    enabled: Boolean(id),
  });
}

/** A flow field as the import wizard maps columns to it. */
export interface TargetField {
  readonly name: string;
  readonly label: string;
  readonly type: string;
  readonly required: boolean;
}

/**
 * The fields of several flows, for a file whose rows name their flow (routeByColumns): each flow as an
 * admin reads it (`GET /api/flows/:id`, the flow editor's cache), or, for a source, its submission docs of
 * each of its flows. In the order of `flowIds`; a flow not loaded yet is left out.
 */
export function useFieldsOfFlows(flowIds: readonly string[], asSource: string | null) {
  return useQueries({
    queries: flowIds.map((flowId) =>
      asSource === null
        ? {
            queryKey: ['flows', flowId],
            queryFn: () => api('GET', `/api/flows/${encodeURIComponent(flowId)}`, { schema: flowSchema }),
          }
        : {
            queryKey: ['docs', flowId, asSource],
            queryFn: () =>
              api('GET', `/api/flows/${encodeURIComponent(flowId)}/sources/${encodeURIComponent(asSource)}/docs`, {
                schema: submissionDocsSchema,
              }),
          },
    ),
    combine: (results) => ({
      flows: results.flatMap((result) => (result.data ? [result.data.fields as readonly TargetField[]] : [])),
      isPending: results.some((result) => result.isPending),
    }),
  });
}

export function useSources() {
  return useQuery({
    queryKey: ['sources'],
    queryFn: () => api('GET', '/api/sources', { schema: z.array(sourceSchema) }),
  });
}

export function useKeys(enabled = true) {
  return useQuery({
    queryKey: ['keys'],
    queryFn: () => api('GET', '/api/keys', { schema: z.array(apiKeySchema) }),
    enabled,
  });
}

export interface LeadFilters {
  q?: string;
  flowId?: string;
  sourceId?: string;
  outcome?: string;
  from?: string;
  to?: string;
  before?: string;
}

/** A page of leads; polled, so new leads appear without a reload. */
export function useLeads(filters: LeadFilters) {
  return useQuery({
    queryKey: ['leads', filters],
    queryFn: () => api('GET', '/api/leads', { query: { ...filters, limit: 100 }, schema: leadListSchema }),
    placeholderData: keepPreviousData,
    // Only the first page moves: older pages are what they were.
    refetchInterval: filters.before ? false : 5_000,
  });
}

export function useLead(id: string | null) {
  return useQuery({
    queryKey: ['leads', 'detail', id],
    queryFn: () => api('GET', `/api/leads/${encodeURIComponent(id ?? '')}`, { schema: leadDetailSchema }),
    enabled: Boolean(id),
  });
}

export function useReport(query: { flowId?: string; sourceId?: string; from?: string; to?: string }) {
  return useQuery({
    queryKey: ['report', query],
    queryFn: () => api('GET', '/api/events', { query, schema: reportSchema }),
    refetchInterval: 10_000,
  });
}

/** The report for each of the last `days` days (local midnight to midnight), oldest first. */
export function useReportSeries(days: number, query: { flowId?: string; sourceId?: string }) {
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const starts = Array.from({ length: days }, (_, i) => new Date(today.getTime() - (days - 1 - i) * 86_400_000));
  return useQueries({
    queries: starts.map((start) => {
      const range = { ...query, from: start.toISOString(), to: new Date(start.getTime() + 86_400_000).toISOString() };
      return {
        queryKey: ['report', range],
        queryFn: () => api('GET', '/api/events', { query: range, schema: reportSchema }),
        refetchInterval: 30_000,
      };
    }),
    combine: (results) => ({
      days: starts.map((start, i) => ({ day: start, report: results[i]?.data })),
      isPending: results.some((result) => result.isPending),
    }),
  });
}

export interface ImportFilters {
  status?: string;
  flowId?: string;
  sourceId?: string;
}

export function useImports(filters: ImportFilters = {}) {
  return useQuery({
    queryKey: ['imports', 'list', filters],
    queryFn: () => api('GET', '/api/imports', { query: { ...filters, limit: 500 }, schema: z.array(importSchema) }),
    refetchInterval: 5_000,
  });
}

/** One import; polled while something runs on it (validation, the import, a revert). */
export function useImport(id: string | undefined) {
  return useQuery({
    queryKey: ['imports', id],
    queryFn: () => api('GET', `/api/imports/${encodeURIComponent(id ?? '')}`, { schema: importSchema }),
    enabled: Boolean(id),
    refetchInterval: (query) => {
      const view = query.state.data;
      const running =
        view?.status === 'queued' ||
        view?.status === 'processing' ||
        view?.validation?.status === 'running' ||
        view?.revert?.status === 'running';
      return running ? 1_000 : false;
    },
  });
}

export function useImportRows(id: string, filter: { outcome?: string; reason?: string }, enabled = true) {
  return useQuery({
    queryKey: ['imports', id, 'rows', filter],
    queryFn: () =>
      api('GET', `/api/imports/${encodeURIComponent(id)}/rows`, {
        query: { ...filter, limit: 200 },
        schema: rowReportSchema,
      }),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export function useTemplates(flowId?: string, enabled = true) {
  return useQuery({
    queryKey: ['templates', flowId ?? null],
    queryFn: () => api('GET', '/api/templates', { query: { flowId }, schema: z.array(templateSchema) }),
    enabled,
  });
}

/** The caller's notifications and unread count, polled so the header's count and the toasts stay current. */
export function useNotifications(enabled = true) {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: () => api('GET', '/api/notifications', { query: { limit: 50 }, schema: notificationListSchema }),
    refetchInterval: 5_000,
    enabled,
  });
}

export function useSubmissionDocs(flowId: string, sourceId: string) {
  return useQuery({
    queryKey: ['docs', flowId, sourceId],
    queryFn: () =>
      api('GET', `/api/flows/${encodeURIComponent(flowId)}/sources/${encodeURIComponent(sourceId)}/docs`, {
        schema: submissionDocsSchema,
      }),
  });
}
