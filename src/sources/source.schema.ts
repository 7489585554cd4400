import { z } from 'zod';
import { identifier } from '../flows/flow.schema.js';

/** A source id, as flow files require it. */
export const sourceIdSchema = identifier;

/** A source with the flows it is attached to (`GET /api/sources`). */
export const sourceSchema = z.object({ id: z.string(), name: z.string(), flows: z.array(z.string()) });
export type SourceView = z.infer<typeof sourceSchema>;

export const sourceUpdateSchema = z.object({ name: z.string().min(1).max(200) });

/** A source as created or renamed (`PUT /api/sources/:id`). */
export const sourceNameSchema = z.object({ id: z.string(), name: z.string() });
export type SourceName = z.infer<typeof sourceNameSchema>;

/** The data of a source's submission docs page (LeadConduit's Submission Docs). */
export const submissionDocsSchema = z.object({
  flow: z.object({ id: z.string(), name: z.string() }),
  source: z.object({ id: z.string(), name: z.string() }),
  submitUrl: z.string(),
  contentTypes: z.array(z.string()),
  fields: z.array(
    z.object({
      name: z.string(),
      label: z.string(),
      type: z.string(),
      required: z.boolean(),
      choices: z.array(z.string()).optional(),
    }),
  ),
  acceptance: z.array(z.string()).describe('the criteria a lead must meet, in words'),
  example: z.object({ body: z.record(z.string(), z.string()), curl: z.string() }),
});
export type SubmissionDocs = z.infer<typeof submissionDocsSchema>;
