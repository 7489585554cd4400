import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isTransientStorageError } from '../db/transient.js';
import { ERROR_CODES, isAppError, type ErrorCode } from '../errors.js';

/** The one error shape of the API. */
export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

function send(reply: FastifyReply, code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return reply.code(ERROR_CODES[code]).send({ error: { code, message, ...(details ? { details } : {}) } });
}

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
  if (isAppError(error)) {
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
    return send(reply, error.code, error.message, error.details);
  }
  const code = (error as { code?: string }).code ?? '';
  if (isTransientStorageError(error)) {
    request.log.warn({ err: error }, 'transient storage error');
    return send(reply, 'storage_unavailable', 'storage is busy or unavailable; retry the request');
  }
  if (error.statusCode === 429) return send(reply, 'rate_limited', error.message);
  if (error.statusCode === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return send(reply, 'file_too_large', 'the request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 'unsupported_format', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return send(reply, 'bad_request', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return send(reply, 'internal', 'something went wrong on our side');
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
}

/** Errors Fastify's router raises before a route runs (a malformed URL, a path parameter past its limit). */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return send(reply, 'uri_too_long', 'a path parameter of the URL is too long');
  return send(reply, 'bad_request', 'the URL is malformed');
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, malformed requests,
 * timeouts): answered in the API's error shape, then the connection is closed as Node would.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ([431, 'headers_too_large', 'the request headers are too large'] as const)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ([408, 'request_timeout', 'the request took too long to arrive'] as const)
        : error.code === 'HPE_URI_TOO_LONG'
          ? ([414, 'uri_too_long', 'the URL is too long'] as const)
          : ([400, 'bad_request', 'the request is not valid HTTP'] as const);
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
