import { z } from 'zod';

/** An import as the API and the CLI show it: status, counts, file, timings and mapping. */
export const importSchema = z.object({
  id: z.string(),
  status: z.string(),
  flowId: z.string().nullable(),
  sourceId: z.string().nullable(),
  fileName: z.string(),
  fileSha256: z.string().nullable(),
  fileSize: z.number(),
  format: z.string(),
  total: z.number(),
  created: z.number(),
  updated: z.number(),
  failed: z.number(),
  duplicates: z.number(),
  error: z.string().nullable(),
  startedBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  columns: z.array(z.string()).describe("the file's headers"),
  mapping: z.array(z.string().nullable()).describe('the field each column maps to, in column order (null: skipped)'),
});
export type ImportView = z.infer<typeof importSchema>;

export const importParamsSchema = z.object({ id: z.string() });

export const failedRecordsQuerySchema = z.object({
  bom: z.stringbool().optional().describe('CSV: start with a UTF-8 byte-order mark (default true)'),
});
