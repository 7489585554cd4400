import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { reportQuerySchema, reportSchema } from '../../events/event.schema.js';
import { eventReport } from '../../events/event.service.js';
import {
  failedRecordsQuerySchema,
  importHistoryQuerySchema,
  importParamsSchema,
  importSchema,
} from '../../imports/import.schema.js';
import {
  countImportViews,
  failedRecordsOf,
  getImportView,
  listImportViews,
} from '../../imports/import-query.service.js';
import { leadDetailSchema, leadListQuerySchema, leadListSchema } from '../../leads/lead.schema.js';
import { getLead, listLeads } from '../../leads/lead-query.service.js';
import { submissionDocsSchema } from '../../sources/source.schema.js';
import { submissionDocs } from '../../sources/source.service.js';
import {
  savedTemplateSchema,
  templateCreateSchema,
  templateListQuerySchema,
  templateParamsSchema,
  templateRenameSchema,
  templateSchema,
} from '../../templates/template.schema.js';
import {
  deleteTemplate,
  listTemplateViews,
  renameTemplate,
  saveTemplateMapping,
} from '../../templates/template.service.js';
import { principalOf } from '../auth-context.js';
import { noContentSchema, type RouteDeps } from './deps.js';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** Leads, the real-time report, submission docs, import history and templates. */
export function dataRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    app.get(
      '/api/leads',
      {
        config: { access: 'source' },
        schema: {
          tags: ['leads'],
          summary: 'Submissions newest first, with outcome, reason and stored values',
          querystring: leadListQuerySchema,
          response: { 200: leadListSchema },
        },
      },
      async (request) => listLeads(db, principalOf(request), request.query),
    );
    app.get(
      '/api/leads/:id',
      {
        config: { access: 'source' },
        schema: { tags: ['leads'], params: z.object({ id: z.string() }), response: { 200: leadDetailSchema } },
      },
      async (request) => getLead(db, principalOf(request), request.params.id),
    );
    app.get(
      '/api/events',
      {
        config: { access: 'source' },
        schema: {
          tags: ['events'],
          summary: 'Real-time report: counts by flow, source, outcome and reason',
          querystring: reportQuerySchema,
          response: { 200: reportSchema },
        },
      },
      async (request) => eventReport(db, principalOf(request), request.query),
    );
    app.get(
      '/api/flows/:flowId/sources/:sourceId/docs',
      {
        config: { access: 'source' },
        schema: {
          tags: ['sources'],
          summary: "A source's submission docs: fields, criteria, example request",
          params: z.object({ flowId: z.string(), sourceId: z.string() }),
          response: { 200: submissionDocsSchema },
        },
      },
      async (request) =>
        submissionDocs(db, principalOf(request), request.params.flowId, request.params.sourceId, deps.publicUrl()),
    );

    app.get(
      '/api/imports',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'Import history, newest first, filtered and paged; the total in the X-Total-Count header',
          querystring: importHistoryQuerySchema,
          response: { 200: z.array(importSchema) },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const [items, total] = await Promise.all([
          listImportViews(db, principal, request.query),
          countImportViews(db, principal, request.query),
        ]);
        return reply.header('X-Total-Count', String(total)).send(items);
      },
    );
    app.get(
      '/api/imports/:id',
      {
        config: { access: 'source' },
        schema: { tags: ['imports'], params: importParamsSchema, response: { 200: importSchema } },
      },
      async (request) => getImportView(db, principalOf(request), request.params.id),
    );
    const failedRecords =
      (format: 'csv' | 'xlsx') =>
      async (
        request: FastifyRequest<{
          Params: z.infer<typeof importParamsSchema>;
          Querystring: z.infer<typeof failedRecordsQuerySchema>;
        }>,
        reply: FastifyReply,
      ) => {
        const records = await failedRecordsOf(db, principalOf(request), request.params.id, {
          format,
          bom: request.query.bom ?? true,
        });
        const out = new PassThrough();
        records.write(out).then(
          () => out.end(),
          (error: unknown) => out.destroy(error as Error),
        );
        return reply
          .type(CONTENT_TYPES[format])
          .header('Content-Disposition', `attachment; filename="failed-${records.importId}.${format}"`)
          .send(out);
      };
    const failedSchema = (format: 'csv' | 'xlsx', summary: string) => ({
      config: { access: 'source' as const },
      schema: {
        tags: ['imports'],
        summary,
        params: importParamsSchema,
        querystring: failedRecordsQuerySchema,
        response: {
          200: { description: 'The failed records file', content: { [CONTENT_TYPES[format]]: { schema: z.string() } } },
        },
      },
    });
    app.get(
      '/api/imports/:id/failed.csv',
      failedSchema('csv', 'Failed rows as CSV: original columns plus row, error and duplicate_of'),
      failedRecords('csv'),
    );
    app.get(
      '/api/imports/:id/failed.xlsx',
      failedSchema('xlsx', 'Failed rows as an Excel workbook'),
      failedRecords('xlsx'),
    );

    app.get(
      '/api/templates',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['templates'],
          querystring: templateListQuerySchema,
          response: { 200: z.array(templateSchema) },
        },
      },
      async (request) => listTemplateViews(db, request.query.flowId),
    );
    app.post(
      '/api/templates',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['templates'],
          summary: 'Save a named mapping (header -> field, or null to skip) for a flow',
          body: templateCreateSchema,
          response: { 201: savedTemplateSchema },
        },
      },
      async (request, reply) => reply.code(201).send(await saveTemplateMapping(db, request.body)),
    );
    app.patch(
      '/api/templates/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['templates'],
          summary: 'Rename a template (409 when its flow has another template of that name)',
          params: templateParamsSchema,
          body: templateRenameSchema,
          response: { 200: templateSchema },
        },
      },
      async (request) => renameTemplate(db, request.params.id, request.body.name),
    );
    app.delete(
      '/api/templates/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['templates'],
          summary: 'Delete a template',
          params: templateParamsSchema,
          response: { 204: noContentSchema },
        },
      },
      async (request, reply) => {
        await deleteTemplate(db, request.params.id);
        return reply.code(204).send();
      },
    );
  };
}
