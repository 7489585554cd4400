import { z } from 'zod';

export const reportQuerySchema = z.object({
  flowId: z.string().optional(),
  sourceId: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type ReportQuery = z.infer<typeof reportQuerySchema>;

export const reportSchema = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  totals: z.object({ success: z.number(), failure: z.number(), error: z.number() }),
  rows: z.array(
    z.object({
      flowId: z.string(),
      sourceId: z.string(),
      outcome: z.string(),
      reason: z.string().nullable(),
      count: z.number(),
    }),
  ),
});
export type Report = z.infer<typeof reportSchema>;
