import { z } from 'zod';

/** A template's mapping: header -> field name, or null to skip the column. */
const templateMappingSchema = z.record(z.string(), z.string().nullable());

/** A saved template as lists show it (`GET /api/templates`, `leadport templates list --json`). */
export const templateSchema = z.object({
  id: z.string(),
  flowId: z.string(),
  name: z.string(),
  mapping: templateMappingSchema,
  updatedAt: z.string(),
});
export type TemplateView = z.infer<typeof templateSchema>;

export const templateListQuerySchema = z.object({ flowId: z.string().optional() });

/** `POST /api/templates`: a named mapping for a flow. */
export const templateCreateSchema = z.object({
  flowId: z.string(),
  name: z.string().min(1).max(200),
  mapping: templateMappingSchema,
});
export type TemplateCreate = z.infer<typeof templateCreateSchema>;

/** A template just saved (`POST /api/templates`, `leadport templates save --json`), with the header fingerprint it is suggested by. */
export const savedTemplateSchema = templateSchema.omit({ updatedAt: true }).extend({ fingerprint: z.string() });
export type SavedTemplate = z.infer<typeof savedTemplateSchema>;

export const templateParamsSchema = z.object({ id: z.string() });

/** `PATCH /api/templates/:id`: a new name (unique within the template's flow). */
export const templateRenameSchema = z.object({ name: z.string().min(1).max(200) });
