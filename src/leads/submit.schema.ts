import { z } from 'zod';

/** A real-time submission: field name -> value (JSON or form-encoded), like LeadConduit's POST. */
export const submitBodySchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type SubmitBody = z.infer<typeof submitBodySchema>;

/** LeadConduit's answer shape: 201 { outcome, reason?, lead: { id } }. */
export const submitResponseSchema = z.object({
  outcome: z.enum(['success', 'failure', 'error']),
  reason: z.string().optional(),
  lead: z.object({ id: z.string() }),
});
export type SubmitResponse = z.infer<typeof submitResponseSchema>;
