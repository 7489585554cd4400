import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { authenticate, type Principal } from '../auth/auth.service.js';
import { CSRF_COOKIE, CSRF_HEADER, requestCookies, SESSION_COOKIE } from '../auth/session-cookies.js';
import type { AuthThrottle } from '../auth/throttle.js';
import type { Store } from '../db/database.js';
import { AppError, isAppError } from '../errors.js';

/** Who may call a route: anyone, an admin or any source (handlers narrow to one source), or admins only. */
export type Access = 'public' | 'source' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, from the Authorization header or the session cookie; null on public routes. */
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
 * routes ignore the credentials (a malformed header cannot break /health). An Authorization header wins
 * over the browser's session cookie; a write authenticated by the cookie must also carry the CSRF header.
 * Failed authentications are counted per address, and an address that failed too often waits.
 */
export async function authenticateRequest(
  request: FastifyRequest,
  store: Store,
  throttle: AuthThrottle,
): Promise<void> {
  const access: Access = request.is404 ? 'public' : (request.routeOptions.config.access ?? 'admin');
  if (access === 'public') return;
  await throttle.assertAllowed(request.ip);
  const cookies = request.headers.authorization ? {} : requestCookies(request.headers.cookie);
  const cookieToken = cookies[SESSION_COOKIE];
  if (!request.headers.authorization && !cookieToken) throw new AppError('unauthorized', UNAUTHORIZED);
  let principal: Principal;
  try {
    const token = cookieToken ?? bearerToken(request) ?? '';
    principal = await authenticate(store.db, token);
  } catch (error) {
    // Only credentials that were sent and are wrong count as a guess.
    if (isAppError(error) && error.code === 'unauthorized') await throttle.recordFailure(request.ip);
    throw error;
  }
  if (cookieToken && !SAFE_METHODS.has(request.method)) checkCsrf(request, cookies[CSRF_COOKIE]);
  if (access === 'admin' && principal.kind !== 'admin')
    throw new AppError('forbidden', 'this needs an admin session or admin API key');
  request.principal = principal;
}

const UNAUTHORIZED = 'sign in, or send Authorization: Bearer <API key or session token>';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Double submit: another site can make the browser send the cookies, but cannot read the CSRF cookie to
// copy it into the header.
function checkCsrf(request: FastifyRequest, expected: string | undefined): void {
  const sent = request.headers[CSRF_HEADER];
  const ok =
    typeof sent === 'string' &&
    expected !== undefined &&
    sent.length === expected.length &&
    timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!ok)
    throw new AppError('forbidden', `a write from a browser session needs the ${CSRF_HEADER} header (the CSRF cookie)`);
}

/** The session token of the browser's session cookie, if the request has one. */
export function sessionCookieToken(request: FastifyRequest): string | undefined {
  return requestCookies(request.headers.cookie)[SESSION_COOKIE];
}

/** The caller of a route that is not public (the onRequest step has authenticated it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', UNAUTHORIZED);
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
  if (principal.keyId) return `key:${principal.keyId}`;
  return principal.kind === 'admin' ? `user:${principal.userId}` : `source:${principal.sourceId}`;
}

/** The token of a Bearer Authorization header, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match?.[1]) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
  return match[1];
}
