import { z } from 'zod';
import { IMPORT_STATES } from './import-state.js';

/** A validation's figures: would-be outcomes of every row, and its progress. */
export const validationSchema = z.object({
  status: z.enum(['running', 'completed', 'failed']),
  total: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number().describe('of the updated rows, those that would change no value of their lead'),
  duplicates: z.number(),
  failed: z.number(),
  fractionRead: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});

/** A lead a revert left as it is, because something changed it after the import did. */
export const revertConflictSchema = z.object({
  leadId: z.string(),
  rowNumber: z.number().nullable().describe("the import's row that created or updated the lead"),
  reason: z
    .string()
    .describe('changed after this import by import <id> | by a real-time submission from <source> at <time>'),
});

/** A revert's figures (`imports.revert`), recorded after each batch it commits. */
export const revertSchema = z.object({
  status: z.enum(['running', 'completed', 'failed']),
  removed: z.number().describe('leads the import created, deleted'),
  restored: z.number().describe('leads the import updated, given back their values from before it'),
  conflicts: z.array(revertConflictSchema).describe('leads left as they are; the first 1000'),
  conflictCount: z.number(),
  rowReached: z.number().describe("the import's rows up to here are done (a resumed revert goes on after it)"),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type RevertResult = z.infer<typeof revertSchema>;

/** An import as the API and the CLI show it: status, counts, file, timings and mapping. */
export const importSchema = z.object({
  id: z.string(),
  status: z.string(),
  flowId: z.string().nullable(),
  sourceId: z.string().nullable(),
  routeByColumns: z
    .boolean()
    .describe("each row names its flow and source (the file's flow_id and source_id columns); flowId is then null"),
  fileName: z.string(),
  fileSha256: z.string().nullable(),
  fileSize: z.number(),
  format: z.string(),
  total: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number().describe('of the updated rows, those that changed no value of their lead'),
  failed: z.number(),
  duplicates: z.number(),
  error: z.string().nullable(),
  startedBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  columns: z.array(z.string()).describe("the file's headers"),
  mapping: z.array(z.string().nullable()).describe('the field each column maps to, in column order (null: skipped)'),
  fixed: z.number().describe('rows fixed inline before the import ran'),
  fractionRead: z.number().describe('how much of the file the running job has read, 0 to 1'),
  rowsPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable().describe('seconds left at the current pace, while running'),
  validation: validationSchema.nullable().describe('the dry run of the whole file, once asked for'),
  revert: revertSchema.nullable().describe('the revert, once asked for'),
});
export type ImportView = z.infer<typeof importSchema>;

export const importParamsSchema = z.object({ id: z.string() });

const STATUS_LIST = new RegExp(`^(${IMPORT_STATES.join('|')})(,(${IMPORT_STATES.join('|')}))*$`);
// A plain date is a whole day: `to=2024-05-31` includes the 31st.
const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** `GET /api/imports`: filters and a page of the history (newest first); the total is in `X-Total-Count`. */
export const importHistoryQuerySchema = z.object({
  status: z.string().regex(STATUS_LIST, 'a status or a comma-separated list of statuses').optional(),
  flowId: z.string().optional(),
  sourceId: z.string().optional(),
  from: dateOrTime.optional().describe('created at or after (ISO 8601 date or time)'),
  to: dateOrTime.optional().describe('created before (ISO 8601 time), or on or before (a date)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ImportHistoryQuery = z.infer<typeof importHistoryQuerySchema>;

export const failedRecordsQuerySchema = z.object({
  bom: z.stringbool().optional().describe('CSV: start with a UTF-8 byte-order mark (default true)'),
});
