import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/auth.service.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, from the Authorization header; null without one. */
    principal: Principal | null;
  }
}

/** The caller, or 401 when the request carries no credentials. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', 'send Authorization: Bearer <API key or session token>');
  return request.principal;
}

/** The caller when it is an admin; 401 without credentials, 403 for a source key. */
export function requireAdmin(request: FastifyRequest): Principal {
  const principal = requirePrincipal(request);
  if (principal.kind !== 'admin') throw new AppError('forbidden', 'this needs an admin session or admin API key');
  return principal;
}

/** The caller when it is an admin or the given source; another source gets 403. */
export function requireSourceOrAdmin(request: FastifyRequest, sourceId: string): Principal {
  const principal = requirePrincipal(request);
  if (principal.kind === 'source' && principal.sourceId !== sourceId) throw new AppError('forbidden', 'this API key belongs to another source');
  return principal;
}

/** The token of a Bearer Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
  return match[1];
}
