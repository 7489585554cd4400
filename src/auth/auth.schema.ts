import { z } from 'zod';

export const loginSchema = z.object({
  email: z.email(),
  password: z.string().min(1),
});

export const sessionSchema = z.object({ token: z.string(), expiresAt: z.string() });

export const userCreateSchema = z.object({
  email: z.email(),
  password: z.string().min(8, 'must be at least 8 characters'),
});

export const userSchema = z.object({ id: z.string(), email: z.string(), role: z.string(), createdAt: z.string() });
export type UserView = z.infer<typeof userSchema>;

export const apiKeyCreateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('admin'), name: z.string().min(1).max(100).optional() }),
  z.object({ kind: z.literal('source'), sourceId: z.string().min(1), name: z.string().min(1).max(100).optional() }),
]);
export type ApiKeyCreate = z.infer<typeof apiKeyCreateSchema>;

export const apiKeySchema = z.object({
  id: z.string(),
  kind: z.enum(['admin', 'source']),
  sourceId: z.string().nullable(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeySchema>;

/** A new key: the view plus the secret, shown this once. */
export const apiKeyCreatedSchema = apiKeySchema.extend({ key: z.string() });
