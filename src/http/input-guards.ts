import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const MAX_DEPTH = 32;

/**
 * Refuses a NUL character anywhere in a request's path parameters, query or body with a 400 naming where it
 * is. No lead value, id or name needs one, and PostgreSQL text cannot hold one: let through, it would fail
 * the statement (and every submission grouped with it) as a 500.
 */
export function rejectNulCharacters(request: FastifyRequest): void {
  const where =
    nulPath(request.params, 'params', 0) ?? nulPath(request.query, 'query', 0) ?? nulPath(request.body, 'body', 0);
  if (where)
    throw new AppError('validation_failed', `${where}: contains a NUL character`, {
      problems: [{ field: where, message: 'contains a NUL character' }],
    });
}

function nulPath(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return null;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = nulPath(inner, at, depth + 1);
    if (found) return found;
  }
  return null;
}
