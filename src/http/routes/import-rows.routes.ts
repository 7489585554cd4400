import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { importParamsSchema } from '../../imports/import.schema.js';
import { fixRow } from '../../imports/row-fix.service.js';
import {
  fixedRowSchema,
  rowFixSchema,
  rowParamsSchema,
  rowReportCsvQuerySchema,
  rowReportQuerySchema,
  rowReportSchema,
} from '../../imports/row-report.schema.js';
import { rowReport, rowReportCsv } from '../../imports/row-report.service.js';
import { principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

const CSV = 'text/csv; charset=utf-8';

/** An import's row report (the rows that would fail, or failed), as JSON pages or CSV, and inline row fixes. */
export function importRowRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  // Typed apart from the route: its reply streams the file, which the response schema (a string) only describes.
  const csvReport = async (
    request: FastifyRequest<{
      Params: z.infer<typeof importParamsSchema>;
      Querystring: z.infer<typeof rowReportCsvQuerySchema>;
    }>,
    reply: FastifyReply,
  ) => {
    const report = await rowReportCsv(db, principalOf(request), request.params.id, request.query);
    const out = new PassThrough();
    report.write(out).then(
      () => out.end(),
      (error: unknown) => out.destroy(error as Error),
    );
    return reply
      .type(CSV)
      .header('Content-Disposition', `attachment; filename="rows-${report.importId}.csv"`)
      .send(out);
  };
  return async (app) => {
    app.get(
      '/api/imports/:id/rows',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: "The import's failing rows in file order, with the counts of their reasons",
          params: importParamsSchema,
          querystring: rowReportQuerySchema,
          response: { 200: rowReportSchema },
        },
      },
      async (request) => rowReport(db, principalOf(request), request.params.id, request.query),
    );
    app.get(
      '/api/imports/:id/rows.csv',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'The row report as CSV: original columns plus row, error and duplicate_of',
          params: importParamsSchema,
          querystring: rowReportCsvQuerySchema,
          response: { 200: { description: 'The row report', content: { [CSV]: { schema: z.string() } } } },
        },
      },
      csvReport,
    );
    app.patch(
      '/api/imports/:id/rows/:row',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: "Fix a row's values before the import runs; the row is re-checked at once",
          params: rowParamsSchema,
          body: rowFixSchema,
          response: { 200: fixedRowSchema },
        },
      },
      async (request) => fixRow(db, principalOf(request), request.params.id, request.params.row, request.body.values),
    );
  };
}
