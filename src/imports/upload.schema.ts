import { z } from 'zod';
import { identifier } from '../flows/flow.schema.js';
import { importSchema } from './import.schema.js';
import type { Preview } from './preview.service.js';

/** How to read the file instead of detecting it (the preview's overrides; `leadport preview --encoding` etc.). */
export const readOptionsSchema = z.strictObject({
  encoding: z.string().min(1).max(40).optional().describe('utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252'),
  delimiter: z.string().min(1).max(4).optional().describe('"," ";" "\\t" or "|"'),
  hasHeader: z.boolean().optional().describe('whether the first row holds the column names'),
  sheet: z.string().min(1).max(200).optional().describe("a workbook's sheet, by name"),
});
export type ReadOptions = z.infer<typeof readOptionsSchema>;

/** The text fields of `POST /api/imports` (multipart), besides the `file` part. */
export const uploadFieldsSchema = z.strictObject({
  flowId: identifier.optional(),
  sourceId: identifier.optional(),
  routeByColumns: z
    .boolean()
    .optional()
    .describe("true: each row names its flow and source in the file's flow_id and source_id columns"),
  templateId: z.string().min(1).max(200).optional(),
  options: readOptionsSchema.optional(),
});
export type UploadFields = z.infer<typeof uploadFieldsSchema>;

/** `PUT /api/imports/:id/mapping`: what to change before the import runs; what is left out stays. */
export const mappingUpdateSchema = z.strictObject({
  flowId: identifier.optional(),
  sourceId: identifier.optional(),
  routeByColumns: z
    .boolean()
    .optional()
    .describe(
      'true: each row names its flow and source (map columns to flow_id and source_id; flowId and sourceId are cleared); false: back to one flow and source',
    ),
  templateId: z
    .string()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe(
      'a template of the flow, by id or name; null: none chosen (a template whose headers match still applies)',
    ),
  options: readOptionsSchema.optional().describe('how to read the file; replaces the earlier choice'),
  mapping: z
    .record(z.string(), z.string().nullable())
    .optional()
    .describe(
      'header -> field, null to skip the column, or "+name" for a new custom field; merged into the earlier choices',
    ),
});
export type MappingUpdate = z.infer<typeof mappingUpdateSchema>;

const sampleCheckSchema = z.object({
  checked: z.number().describe('non-blank sample values'),
  invalid: z.number(),
  examples: z.array(z.object({ value: z.string(), issue: z.string() })),
  repaired: z.number(),
  message: z.string().describe('"12 of 20 sample values are not valid emails"'),
});

const previewColumnSchema = z.object({
  index: z.number(),
  header: z.string(),
  field: z.string().nullable().describe('the suggested (or chosen) field; null: skipped'),
  confidence: z.number(),
  note: z.string().optional(),
  sample: sampleCheckSchema.optional(),
  customField: z.string().optional().describe('for a skipped column: the custom field it could be kept as (+name)'),
});

/** An upload's preview: `leadport preview --json`'s object, the template it suggests and the file's earlier import. */
export type UploadPreview = Preview & {
  suggestedTemplate: { id: string; name: string } | null;
  previousImport: { id: string; fileName: string; createdAt: string } | null;
};

export const uploadPreviewSchema: z.ZodType<UploadPreview> = z.object({
  format: z.enum(['csv', 'xlsx', 'xls']),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  hasHeader: z.boolean(),
  sheets: z.array(z.string()),
  sheet: z.string().nullable(),
  columns: z.array(previewColumnSchema),
  sampleRows: z.array(z.array(z.string())),
  evidence: z.record(z.string(), z.string()).describe('why each setting was chosen'),
  warnings: z.array(z.string()),
  template: z.object({ id: z.string(), name: z.string(), how: z.enum(['chosen', 'fingerprint']) }).nullable(),
  problems: z.array(z.string()).describe('why the mapping cannot be imported as it is'),
  missingRequired: z.array(z.string()).describe("the flow's required fields no column maps to"),
  suggestedTemplate: z
    .object({ id: z.string(), name: z.string() })
    .nullable()
    .describe('the saved template the mapping used (chosen, or matched by the headers)'),
  previousImport: z
    .object({ id: z.string(), fileName: z.string(), createdAt: z.string() })
    .nullable()
    .describe('an earlier import of the same file (SHA-256) into the same flow'),
});

/** `POST /api/imports` -> 201. */
export const uploadResultSchema = z.object({ id: z.string(), status: z.string(), preview: uploadPreviewSchema });
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** `PUT /api/imports/:id/mapping` -> 200: the import as it now is, and the file's preview with the mapping. */
export const mappingResultSchema = z.object({ import: importSchema, preview: uploadPreviewSchema });
export type MappingResult = z.infer<typeof mappingResultSchema>;
