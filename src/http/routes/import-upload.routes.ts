import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, isAppError } from '../../errors.js';
import { uploadTooLarge } from '../../imports/import-files.js';
import { importParamsSchema } from '../../imports/import.schema.js';
import { updateMapping } from '../../imports/mapping.service.js';
import { mappingResultSchema, mappingUpdateSchema, uploadResultSchema } from '../../imports/upload.schema.js';
import { uploadImport, type UploadPart } from '../../imports/upload.service.js';
import { principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

// The text fields are a few ids and a small JSON object: anything longer is refused, not buffered.
const FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 10;

/** Uploading a file to import (multipart), and choosing its flow, source, read settings and mapping. */
export function importUploadRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  const maxBytes = deps.config.maxUploadBytes;
  return async (app) => {
    // Here only: no other route takes multipart bodies.
    await app.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: MAX_FIELDS, fieldSize: FIELD_BYTES },
    });

    app.post(
      '/api/imports',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'Upload a file to import (multipart/form-data) and preview it',
          description:
            'Parts: `file` (CSV, TSV, XLSX or XLS; at most LEADPORT_MAX_UPLOAD_MB), and optionally `flowId`, `sourceId` ' +
            '(a source key: its own, the default), `templateId`, `options` (JSON: encoding, delimiter, hasHeader, sheet), ' +
            'before or after the file. The file is stored first; the import waits in `uploaded` until it is started.',
          consumes: ['multipart/form-data'],
          response: { 201: uploadResultSchema },
        },
      },
      async (request, reply) => {
        const result = await uploadImport(db, deps.config, principalOf(request), uploadParts(request, maxBytes));
        return reply.code(201).send(result);
      },
    );

    app.put(
      '/api/imports/:id/mapping',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: "Choose an uploaded import's flow, source, template, read settings and column mapping",
          params: importParamsSchema,
          body: mappingUpdateSchema,
          response: { 200: mappingResultSchema },
        },
      },
      async (request) => updateMapping(db, deps.config, principalOf(request), request.params.id, request.body),
    );
  };
}

/** The request's parts in order, with the multipart reader's errors (limits, malformed bodies) in the error shape. */
async function* uploadParts(request: FastifyRequest, maxBytes: number): AsyncGenerator<UploadPart> {
  let parts: AsyncIterableIterator<Multipart>;
  try {
    parts = request.parts();
  } catch (error) {
    throw multipartError(error, maxBytes);
  }
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (error) {
      throw multipartError(error, maxBytes);
    }
    if (next.done) return;
    const part = next.value;
    if (part.type === 'file') {
      const stream = part.file;
      yield {
        kind: 'file',
        name: part.fieldname,
        fileName: part.filename,
        content: withErrors(stream, maxBytes),
        truncated: () => stream.truncated,
      };
    } else {
      yield { kind: 'field', name: part.fieldname, value: String(part.value), truncated: part.valueTruncated };
    }
  }
}

async function* withErrors(stream: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw multipartError(error, maxBytes);
  }
}

// The multipart reader's errors: its own (FST_* codes) and busboy's (a body that is not valid multipart).
function multipartError(error: unknown, maxBytes: number): unknown {
  if (isAppError(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return uploadTooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT')
    return new AppError('validation_failed', 'send one file per upload, in the field "file"', { field: 'file' });
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT')
    return new AppError(
      'validation_failed',
      `too many fields: the upload takes file, flowId, sourceId, templateId and options`,
    );
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return new AppError('bad_request', 'send the upload as multipart/form-data, the file in the field "file"');
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('bad_request', `the multipart body cannot be read: ${message}`);
}
