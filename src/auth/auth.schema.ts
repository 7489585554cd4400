import { z } from 'zod';

export const loginSchema = z.object({
  email: z.email(),
  password: z.string().min(1),
});

export const sessionSchema = z.object({ token: z.string(), expiresAt: z.string() });

/** A source signs in to the web app with its API key. */
export const sourceLoginSchema = z.object({ apiKey: z.string().min(1) });

/** A source's session: the token (also set as the browser's session cookie) and the source. */
export const sourceSessionSchema = sessionSchema.extend({ sourceId: z.string() });

/** A one-time sign-in link for a source (`POST /api/sources/:id/sign-in-links`). */
export const signInLinkSchema = z.object({ url: z.string(), sourceId: z.string(), expiresAt: z.string() });

/** Who is signed in (`GET /api/auth/session`), for the web app's header and what it shows. */
export const whoAmISchema = z.object({
  kind: z.enum(['admin', 'source']),
  email: z.string().nullable(),
  sourceId: z.string().nullable(),
  sourceName: z.string().nullable(),
});

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
