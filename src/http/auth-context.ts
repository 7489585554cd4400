import type { FastifyRequest } from 'fastify';
import { authenticate, type Principal } from '../auth/auth.service.js';
import type { AuthThrottle } from '../auth/throttle.js';
import type { Store } from '../db/database.js';
import { AppError, isAppError } from '../errors.js';

/** Who may call a route: anyone, an admin or any source (handlers narrow to one source), or admins only. */
export type Access = 'public' | 'source' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, from the Authorization header; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Declared once per route; a route that does not declare it is admin-only. */
    access?: Access;
  }
}

/**
 * The onRequest step of every request: enforces the route's declared access before the body is read or
 * validated, so a caller without the right credentials learns nothing about the route's schema. Public
 * routes ignore the Authorization header (a malformed one cannot break /health). Failed authentications are
 * counted per address, and an address that failed too often waits.
 */
export async function authenticateRequest(
  request: FastifyRequest,
  store: Store,
  throttle: AuthThrottle,
): Promise<void> {
  const access: Access = request.is404 ? 'public' : (request.routeOptions.config.access ?? 'admin');
  if (access === 'public') return;
  await throttle.assertAllowed(request.ip);
  if (!request.headers.authorization)
    throw new AppError('unauthorized', 'send Authorization: Bearer <API key or session token>');
  let principal: Principal;
  try {
    const token = bearerToken(request) ?? '';
    principal = await authenticate(store.db, token);
  } catch (error) {
    // Only credentials that were sent and are wrong count as a guess.
    if (isAppError(error) && error.code === 'unauthorized') await throttle.recordFailure(request.ip);
    throw error;
  }
  if (access === 'admin' && principal.kind !== 'admin')
    throw new AppError('forbidden', 'this needs an admin session or admin API key');
  request.principal = principal;
}

/** The caller of a route that is not public (the onRequest step has authenticated it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', 'send Authorization: Bearer <API key or session token>');
  return request.principal;
}

/** The caller when it is an admin or the given source; another source gets 403. */
export function requireSourceOrAdmin(request: FastifyRequest, sourceId: string): Principal {
  const principal = principalOf(request);
  if (principal.kind === 'source' && principal.sourceId !== sourceId)
    throw new AppError('forbidden', 'this API key belongs to another source');
  return principal;
}

/** A stable name for the principal (its key, or the admin user of a session), for rate limits and scopes. */
export function principalKey(principal: Principal): string {
  return principal.keyId ? `key:${principal.keyId}` : `user:${principal.kind === 'admin' ? principal.userId : ''}`;
}

/** The token of a Bearer Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match?.[1]) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
  return match[1];
}
