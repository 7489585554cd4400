import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { reportQuerySchema, reportSchema } from '../../events/event.schema.js';
import { eventReport } from '../../events/event.service.js';
import { AppError } from '../../errors.js';
import { writeFailedRecords } from '../../imports/failed-records.js';
import { findImport, listImports } from '../../imports/import.repository.js';
import { leadDetailSchema, leadListQuerySchema, leadListSchema } from '../../leads/lead.schema.js';
import { getLead, listLeads } from '../../leads/lead-query.service.js';
import { submissionDocsSchema } from '../../sources/source.schema.js';
import { submissionDocs } from '../../sources/source.service.js';
import { listTemplates } from '../../templates/template.repository.js';
import { saveTemplate } from '../../templates/template.service.js';
import { requireFlow } from '../../flows/flow.service.js';
import type { Principal } from '../../auth/auth.service.js';
import type { ImportRow } from '../../imports/import.repository.js';
import { importView } from '../../imports/import.view.js';
import { principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

async function visibleImport(deps: RouteDeps, principal: Principal, id: string): Promise<ImportRow> {
  const row = await findImport(deps.store.db, id);
  if (!row || (principal.kind === 'source' && row.source_id !== principal.sourceId)) throw new AppError('import_not_found', `no import with id "${id}"`);
  return row;
}

/** Leads, the real-time report, submission docs, import history and templates. */
export function dataRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { store } = deps;
  return async (app) => {
    app.get('/api/leads', { config: { access: 'source' }, schema: { tags: ['leads'], summary: 'Submissions newest first, with outcome, reason and stored values', querystring: leadListQuerySchema, response: { 200: leadListSchema } } }, async (request) =>
      listLeads(store, principalOf(request), request.query),
    );
    app.get('/api/leads/:id', { config: { access: 'source' }, schema: { tags: ['leads'], params: z.object({ id: z.string() }), response: { 200: leadDetailSchema } } }, async (request) =>
      getLead(store, principalOf(request), request.params.id),
    );
    app.get('/api/events', { config: { access: 'source' }, schema: { tags: ['events'], summary: 'Real-time report: counts by flow, source, outcome and reason', querystring: reportQuerySchema, response: { 200: reportSchema } } }, async (request) =>
      eventReport(store, principalOf(request), request.query),
    );
    app.get(
      '/api/flows/:flowId/sources/:sourceId/docs',
      { config: { access: 'source' }, schema: { tags: ['sources'], summary: "A source's submission docs: fields, criteria, example request", params: z.object({ flowId: z.string(), sourceId: z.string() }), response: { 200: submissionDocsSchema } } },
      async (request) => submissionDocs(store, principalOf(request), request.params.flowId, request.params.sourceId, deps.publicUrl()),
    );

    app.get('/api/imports', { config: { access: 'source' }, schema: { tags: ['imports'], summary: 'Import history, newest first' } }, async (request) => {
      const principal = principalOf(request);
      const rows = await listImports(store.db, { limit: 500, ...(principal.kind === 'source' ? { sourceId: principal.sourceId } : {}) });
      return rows.map(importView);
    });
    app.get('/api/imports/:id', { config: { access: 'source' }, schema: { tags: ['imports'], params: z.object({ id: z.string() }) } }, async (request) =>
      importView(await visibleImport(deps, principalOf(request), request.params.id)),
    );
    const failedRecords = (format: 'csv' | 'xlsx') =>
      async (request: FastifyRequest<{ Params: { id: string }; Querystring: { bom?: boolean } }>, reply: FastifyReply) => {
        const row = await visibleImport(deps, principalOf(request), request.params.id);
        const out = new PassThrough();
        writeFailedRecords(store, row.id, out, { format, bom: request.query.bom ?? true }).then(
          () => out.end(),
          (error: unknown) => out.destroy(error as Error),
        );
        const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
        return reply.type(type).header('Content-Disposition', `attachment; filename="failed-${row.id}.${format}"`).send(out);
      };
    const failedSchema = (summary: string) => ({
      config: { access: 'source' as const },
      schema: { tags: ['imports'], summary, params: z.object({ id: z.string() }), querystring: z.object({ bom: z.stringbool().optional().describe('CSV: start with a UTF-8 byte-order mark (default true)') }) },
    });
    app.get('/api/imports/:id/failed.csv', failedSchema('Failed rows as CSV: original columns plus row, error and duplicate_of'), failedRecords('csv'));
    app.get('/api/imports/:id/failed.xlsx', failedSchema('Failed rows as an Excel workbook'), failedRecords('xlsx'));

    app.get('/api/templates', { config: { access: 'admin' }, schema: { tags: ['templates'], querystring: z.object({ flowId: z.string().optional() }) } }, async (request) => {
      const rows = await listTemplates(store.db, request.query.flowId);
      return rows.map((row) => ({ id: row.id, flowId: row.flow_id, name: row.name, mapping: JSON.parse(row.mapping) as Record<string, string | null>, updatedAt: row.updated_at }));
    });
    app.post(
      '/api/templates',
      { config: { access: 'admin' }, schema: { tags: ['templates'], summary: 'Save a named mapping (header -> field, or null to skip) for a flow', body: z.object({ flowId: z.string(), name: z.string().min(1).max(200), mapping: z.record(z.string(), z.string().nullable()) }) } },
      async (request, reply) => {
        const flow = await requireFlow(store, request.body.flowId);
        const known = new Set(flow.fields.map((field) => field.name));
        const columns = Object.entries(request.body.mapping).map(([header, field], index) => {
          if (field && !known.has(field)) throw new AppError('validation_failed', `mapping.${header}: "${field}" is not a field of flow "${flow.id}"`, { field: `mapping.${header}` });
          return { index, header, field, confidence: 1 };
        });
        return reply.code(201).send(await saveTemplate(store, flow.id, request.body.name, columns));
      },
    );
  };
}
