import { z } from 'zod';

/** The lead a duplicate matched and the key's field names ("email"). */
const duplicateOfSchema = z.object({ leadId: z.string(), key: z.string() });

/** A failing row of an import's report. */
export const reportRowSchema = z.object({
  row: z.number().describe('the row number in the file (the spreadsheet row; the header is row 1)'),
  outcome: z.enum(['failure', 'error']),
  action: z.string().describe('rejected | duplicate | error'),
  reason: z.string().nullable(),
  values: z.record(z.string(), z.string()).describe("the row's cells by header (its fixed values when fixed)"),
  fixed: z.boolean().describe('the row was fixed inline before the import ran'),
  duplicateOf: duplicateOfSchema.nullable(),
});
export type ReportRowView = z.infer<typeof reportRowSchema>;

export const rowReportQuerySchema = z.object({
  outcome: z.enum(['failure', 'error']).optional(),
  reason: z.string().optional().describe('only the rows with exactly this reason'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.coerce.number().int().min(0).default(0).describe("rows after this row number (the previous page's next)"),
});
export type RowReportQuery = z.infer<typeof rowReportQuerySchema>;

export const rowReportCsvQuerySchema = rowReportQuerySchema.pick({ outcome: true, reason: true }).extend({
  bom: z.stringbool().optional().describe('start with a UTF-8 byte-order mark (default true)'),
});
export type RowReportCsvQuery = z.infer<typeof rowReportCsvQuerySchema>;

/** A page of the report, with the reasons it holds and how many rows match the filter. */
export const rowReportSchema = z.object({
  rows: z.array(reportRowSchema),
  reasons: z
    .array(z.object({ reason: z.string().nullable(), count: z.number() }))
    .describe("the 50 commonest reasons over the whole report (the outcome filter applies, the reason filter doesn't)"),
  total: z.number().describe('how many rows match the filter, on every page'),
  next: z.number().nullable().describe('the `after` of the next page; null on the last'),
});
export type RowReport = z.infer<typeof rowReportSchema>;

export const rowParamsSchema = z.object({ id: z.string(), row: z.coerce.number().int().min(1) });

export const rowFixSchema = z.object({
  values: z.record(z.string(), z.string()).describe('header -> the new cell; the columns not named keep their cells'),
});
export type RowFix = z.infer<typeof rowFixSchema>;

/** A fixed row re-checked at once: what the import would now do with it. */
export const fixedRowSchema = reportRowSchema.extend({
  outcome: z.enum(['success', 'failure', 'error']),
  action: z.string().describe('created | updated | merged when it now passes; rejected | duplicate | error'),
  fixed: z.literal(true),
});
export type FixedRowView = z.infer<typeof fixedRowSchema>;
