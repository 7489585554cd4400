import { randomBytes } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';

/** The browser's session: the session token, HttpOnly so page scripts never see it. */
export const SESSION_COOKIE = 'leadport_session';
/** The double-submit CSRF token: page scripts read it and send it back as the CSRF header on writes. */
export const CSRF_COOKIE = 'leadport_csrf';
/** The header a cookie-authenticated write must carry, equal to the CSRF cookie. */
export const CSRF_HEADER = 'x-leadport-csrf';

/**
 * The Set-Cookie headers of a new browser session. SameSite=Strict keeps other sites' pages from sending
 * them at all; the CSRF token is a second guard for browsers that ignore SameSite. Secure when Leadport is
 * served over HTTPS (a plain-HTTP localhost would otherwise drop them).
 */
export function sessionCookies(token: string, expiresAt: string, secure: boolean): string[] {
  const common = { path: '/', sameSite: 'strict' as const, secure, expires: new Date(expiresAt) };
  return [
    stringifySetCookie(SESSION_COOKIE, token, { ...common, httpOnly: true }),
    stringifySetCookie(CSRF_COOKIE, randomBytes(24).toString('base64url'), common),
  ];
}

/** The Set-Cookie headers that end the browser's session. */
export function clearedSessionCookies(secure: boolean): string[] {
  const common = { path: '/', sameSite: 'strict' as const, secure, expires: new Date(0) };
  return [
    stringifySetCookie(SESSION_COOKIE, '', { ...common, httpOnly: true }),
    stringifySetCookie(CSRF_COOKIE, '', common),
  ];
}

/** The cookies of a request's Cookie header (none when it has none). */
export function requestCookies(header: string | undefined): Record<string, string | undefined> {
  return header ? parseCookie(header) : {};
}
