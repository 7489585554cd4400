import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_CODES, isAppError, type ErrorCode } from '../errors.js';

/** The one error shape of the API. */
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

function send(reply: FastifyReply, code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return reply.code(ERROR_CODES[code]).send({ error: { code, message, ...(details ? { details } : {}) } });
}

// Storage errors a client may retry: SQLite busy/locked, PostgreSQL unreachable, restarting or overloaded.
const TRANSIENT = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300', '08000', '08003', '08006', '40001', '40P01']);

/** Maps every error to { error: { code, message, details } }; 5xx never carry internals. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const where = `${error.validationContext ?? 'body'}${path ? `.${path}` : ''}`;
      return { field: where, message: issue.message };
    });
    return send(reply, 'validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
  }
  if (isAppError(error)) return send(reply, error.code, error.message, error.details);
  const code = (error as { code?: string }).code ?? '';
  if (TRANSIENT.has(code)) {
    request.log.warn({ err: error }, 'transient storage error');
    return send(reply, 'storage_unavailable', 'storage is busy or unavailable; retry the request');
  }
  if (error.statusCode === 429) return send(reply, 'rate_limited', error.message);
  if (error.statusCode === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, 'file_too_large', 'the request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 'unsupported_format', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return send(reply, 'bad_request', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, 'internal', 'something went wrong on our side');
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
}

