import { z } from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const leadListQuerySchema = z.object({
  flowId: z.string().optional(),
  sourceId: z.string().optional(),
  outcome: z.enum(['success', 'failure', 'error']).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('submitted at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('submitted before (ISO 8601)'),
  q: z.string().min(1).max(200).optional().describe('text search in the values'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().optional().describe('cursor: the `next` of the previous page'),
});
export type LeadListQuery = z.infer<typeof leadListQuerySchema>;

/** One submission in the leads view: outcome and reason, and the lead's values when it was stored. */
export const leadSummarySchema = z.object({
  id: z.string(),
  flowId: z.string(),
  sourceId: z.string(),
  outcome: z.enum(['success', 'failure', 'error']),
  action: z.string(),
  reason: z.string().nullable(),
  importId: z.string().nullable(),
  rowNumber: z.number().nullable(),
  fields: z.record(z.string(), scalar).nullable(),
  submittedAt: z.string(),
});
export type LeadSummary = z.infer<typeof leadSummarySchema>;

export const leadListSchema = z.object({ items: z.array(leadSummarySchema), next: z.string().nullable() });

export const fieldValueSchema = z.object({
  raw: z.string(),
  normal: scalar,
  valid: z.boolean(),
  parts: z.record(z.string(), scalar).optional(),
  issue: z.string().optional(),
});

export const leadDetailSchema = z.object({
  id: z.string(),
  flowId: z.string(),
  sourceId: z.string(),
  stored: z.boolean().describe('false for submissions that were rejected'),
  importId: z.string().nullable(),
  rowNumber: z.number().nullable(),
  fields: z.record(z.string(), scalar).describe('normalised values as stored'),
  raw: z.record(z.string(), z.unknown()).describe('values as submitted'),
  values: z.record(z.string(), fieldValueSchema).describe('each field: raw, normal, valid and parts'),
  createdAt: z.string(),
  updatedAt: z.string(),
  events: z.array(
    z.object({
      outcome: z.string(),
      action: z.string(),
      reason: z.string().nullable(),
      importId: z.string().nullable(),
      rowNumber: z.number().nullable(),
      durationUs: z.number(),
      createdAt: z.string(),
    }),
  ),
});
export type LeadDetail = z.infer<typeof leadDetailSchema>;
