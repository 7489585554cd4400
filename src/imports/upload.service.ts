import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import { newId } from '../core/ids.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireFlow, routableFlows } from '../flows/flow.service.js';
import type { FlowSpec } from '../core/flow-spec.js';
import type { ReadSettings } from '../ingest/tabular.js';
import { deleteImportFile, storeImportFile, uploadTooLarge } from './import-files.js';
import { describePrincipal } from './import-job.service.js';
import { insertImport, newImportRow } from './import.repository.js';
import { previewFile, type Preview } from './preview.service.js';
import {
  readOptionsSchema,
  uploadFieldsSchema,
  type ReadOptions,
  type UploadFields,
  type UploadPreview,
  type UploadResult,
} from './upload.schema.js';

/** One part of a multipart upload, as the HTTP route hands it over (already iterated in request order). */
export type UploadPart =
  | { readonly kind: 'field'; readonly name: string; readonly value: string; readonly truncated: boolean }
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly fileName: string;
      readonly content: AsyncIterable<Buffer>;
      /** Whether the transport cut the file at its size limit. */
      readonly truncated: () => boolean;
    };

/** `imports.options` of an upload: how the file was read, and which of those settings the user chose. */
export interface StoredReadSettings extends ReadSettings {
  /** Re-applied whenever the file is read again; the rest is detected again (the sheet may follow the flow). */
  readonly chosen?: ReadOptions;
}

/** Where an upload's rows go, once checked against the caller. */
export interface UploadTarget {
  readonly flowId: string | undefined;
  readonly sourceId: string | undefined;
  /** A routed import (its rows name their flow and source): the flows they may name. */
  readonly routing?: FlowSpec[] | undefined;
}

const FILE_FIELD = 'file';
const FIELDS = 'file, flowId, sourceId, routeByColumns, templateId, options';

/**
 * Receives an upload (`POST /api/imports`): streams the `file` part into the database under a new import id
 * and, at the same time, into a temporary file for the preview; then records the import (`uploaded`) with
 * the settings, headers and suggested mapping the preview found. The fields may come before or after the
 * file. When anything fails (no file, too large, unreadable, a refused flow or source) nothing is left: no
 * import row, no stored chunk, no temporary file.
 */
export async function uploadImport(
  db: Kysely<DB>,
  config: Config,
  principal: Principal,
  parts: AsyncIterable<UploadPart>,
): Promise<UploadResult> {
  const importId = newId();
  const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'leadport-upload-'));
  try {
    const values: Record<string, string> = Object.create(null) as Record<string, string>;
    let file: { name: string; path: string; size: number; sha256: string } | undefined;
    for await (const part of parts) {
      if (part.kind === 'field') {
        if (part.truncated) throw new AppError('validation_failed', `the field "${part.name}" is too long`);
        if (part.name in values) throw new AppError('validation_failed', `the field "${part.name}" was sent twice`);
        values[part.name] = part.value;
        continue;
      }
      if (part.name !== FILE_FIELD || file)
        throw new AppError(
          'validation_failed',
          `send one file, in the field "${FILE_FIELD}" (got a file in "${part.name}")`,
          {
            field: FILE_FIELD,
          },
        );
      // Fields sent before the file are checked before it is read: a refused upload is not streamed first.
      await uploadTarget(db, principal, parseFields(values));
      const copy = path.join(directory, 'upload');
      const out = await fs.promises.open(copy, 'wx');
      let stored: { size: number; sha256: string };
      try {
        stored = await storeImportFile(db, importId, copiedTo(part.content, out), config.maxUploadBytes);
      } finally {
        await out.close();
      }
      if (part.truncated()) throw uploadTooLarge(config.maxUploadBytes);
      file = { name: part.fileName.trim() || 'upload', path: copy, ...stored };
    }
    if (!file)
      throw new AppError('validation_failed', `no file: send it as a multipart part named "${FILE_FIELD}"`, {
        field: FILE_FIELD,
      });
    const fields = parseFields(values);
    const target = await uploadTarget(db, principal, fields);
    if (fields.templateId !== undefined && target.flowId === undefined)
      throw new AppError('validation_failed', 'a template belongs to a flow: send flowId with templateId', {
        field: 'flowId',
      });
    const preview = await previewFile(db, config, {
      file: file.path,
      displayName: file.name,
      flowId: target.flowId,
      routing: target.routing,
      read: fields.options,
      template: fields.templateId,
    });
    await insertImport(
      db,
      newImportRow({
        id: importId,
        flow_id: target.flowId ?? null,
        source_id: target.sourceId ?? null,
        route_by_columns: target.routing ? 1 : 0,
        template_id: preview.template?.id ?? null,
        file_name: file.name,
        file_size: file.size,
        file_sha256: file.sha256,
        file_stored: 1,
        format: preview.format,
        options: JSON.stringify(storedReadSettings(preview, fields.options)),
        columns: JSON.stringify(preview.columns.map((column) => column.header)),
        mapping: JSON.stringify(preview.columns.map((column) => column.field)),
        status: 'uploaded',
        started_by: await describePrincipal(db, principal),
      }),
    );
    const shown = await uploadPreview(db, principal, preview, {
      importId,
      flowId: target.flowId,
      sha256: file.sha256,
    });
    return { id: importId, status: 'uploaded', preview: shown };
  } catch (error) {
    await deleteImportFile(db, importId);
    throw error;
  } finally {
    await fs.promises.rm(directory, { recursive: true, force: true });
  }
}

/** Passes the file's bytes on while writing them to `out` (the copy the preview reads). */
async function* copiedTo(content: AsyncIterable<Buffer>, out: FileHandle): AsyncGenerator<Buffer> {
  for await (const piece of content) {
    await out.write(piece);
    yield piece;
  }
}

/** The text fields, checked: known names only, `options` as JSON of read settings. */
function parseFields(values: Readonly<Record<string, string>>): UploadFields {
  const raw: Record<string, unknown> = { ...values };
  // A multipart field is text: "true"/"false" are the flag; anything else is left for the schema to refuse.
  if (values.routeByColumns === 'true' || values.routeByColumns === 'false')
    raw.routeByColumns = values.routeByColumns === 'true';
  if (values.options !== undefined) {
    try {
      raw.options = JSON.parse(values.options);
    } catch {
      throw new AppError('validation_failed', 'options: not JSON (send e.g. {"delimiter":";","hasHeader":true})', {
        field: 'options',
      });
    }
  }
  const parsed = uploadFieldsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: [...issue.path, ...(issue.code === 'unrecognized_keys' ? [issue.keys.join(', ')] : [])].join('.'),
      message:
        issue.code !== 'unrecognized_keys'
          ? issue.message
          : issue.path.length === 0
            ? `unknown field (the fields: ${FIELDS})`
            : 'unknown setting (encoding, delimiter, hasHeader, sheet)',
    }));
    throw new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems });
  }
  return parsed.data;
}

/**
 * Where an upload's rows go: a flow and source checked against the caller (resolveTarget), or, routed by
 * the file's own columns, every flow the caller may import into (a source key: only its own source).
 */
export async function uploadTarget(
  db: Kysely<DB>,
  principal: Principal,
  fields: Pick<UploadFields, 'flowId' | 'sourceId' | 'templateId' | 'routeByColumns'>,
): Promise<UploadTarget> {
  if (!fields.routeByColumns) return resolveTarget(db, principal, fields);
  const named = (['flowId', 'sourceId', 'templateId'] as const).filter((name) => fields[name] !== undefined);
  if (named.length > 0)
    throw new AppError(
      'validation_failed',
      `routeByColumns: the rows name their flow and source in the flow_id and source_id columns; send no ${named.join(', ')} with it`,
      { field: 'routeByColumns' },
    );
  const onlySource = principal.kind === 'source' ? principal.sourceId : null;
  return { flowId: undefined, sourceId: onlySource ?? undefined, routing: await routableFlows(db, onlySource) };
}

/**
 * Checks the flow and source an upload goes to against the caller: a source key imports only into its own
 * source (the default) and a flow it is attached to; an admin into any existing source of the flow.
 */
export async function resolveTarget(
  db: Kysely<DB>,
  principal: Principal,
  wanted: { flowId?: string | undefined; sourceId?: string | undefined },
): Promise<UploadTarget> {
  let sourceId = wanted.sourceId;
  if (principal.kind === 'source') {
    if (sourceId !== undefined && sourceId !== principal.sourceId)
      throw new AppError(
        'forbidden',
        `this API key belongs to source "${principal.sourceId}": it imports only into its own source, not "${sourceId}"`,
        { sourceId },
      );
    sourceId = principal.sourceId;
  }
  const flowId = wanted.flowId;
  if (flowId !== undefined) {
    const flow = await requireFlow(db, flowId);
    if (sourceId !== undefined && !flow.sources.some((source) => source.id === sourceId)) {
      // A source is not told which other sources a flow has, nor whether a flow it may not use exists.
      if (principal.kind === 'source') throw new AppError('flow_not_found', `unknown flow "${flowId}"`, { flowId });
      const known = flow.sources.map((source) => source.id).join(', ') || 'none';
      throw new AppError(
        'source_not_found',
        `source "${sourceId}" is not attached to flow "${flowId}" (its sources: ${known})`,
        {
          flowId,
          sourceId,
        },
      );
    }
  } else if (sourceId !== undefined) {
    const source = await db.selectFrom('sources').select('id').where('id', '=', sourceId).executeTakeFirst();
    if (!source) throw new AppError('source_not_found', `unknown source "${sourceId}"`, { sourceId });
  }
  return { flowId, sourceId };
}

/** The settings to store for a preview's reading, with the user's own choices among them. */
export function storedReadSettings(preview: Preview, chosen: ReadOptions | undefined): StoredReadSettings {
  const settings: ReadSettings = {
    format: preview.format,
    encoding: preview.encoding,
    delimiter: preview.delimiter,
    hasHeader: preview.hasHeader,
    sheet: preview.sheet,
  };
  return chosen && Object.keys(chosen).length > 0 ? { ...settings, chosen } : settings;
}

/** The read choices stored with an import (none for a row written before they were kept). */
export function chosenReadOptions(options: string): ReadOptions | undefined {
  const chosen = (JSON.parse(options) as StoredReadSettings).chosen;
  const parsed = readOptionsSchema.safeParse(chosen);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The preview as the API shows it: with the template the mapping used and, when the same file (by SHA-256)
 * was imported into the flow before, that import, named in a warning too. Drafts (`uploaded`) do not count,
 * and a source is told only of its own imports.
 */
export async function uploadPreview(
  db: Kysely<DB>,
  principal: Principal,
  preview: Preview,
  file: { importId: string; flowId: string | undefined; sha256: string | null },
): Promise<UploadPreview> {
  const suggestedTemplate = preview.template ? { id: preview.template.id, name: preview.template.name } : null;
  if (file.flowId === undefined || file.sha256 === null) return { ...preview, suggestedTemplate, previousImport: null };
  let query = db
    .selectFrom('imports')
    .select(['id', 'file_name', 'created_at'])
    .where('flow_id', '=', file.flowId)
    .where('file_sha256', '=', file.sha256)
    .where('status', '!=', 'uploaded')
    .where('id', '!=', file.importId)
    .orderBy('created_at', 'desc')
    .limit(1);
  if (principal.kind === 'source') query = query.where('source_id', '=', principal.sourceId);
  const earlier = await query.executeTakeFirst();
  if (!earlier) return { ...preview, suggestedTemplate, previousImport: null };
  const warning = `this file was imported before: import ${earlier.id} on ${earlier.created_at.slice(0, 10)}; its rows still go through the duplicate policy`;
  return {
    ...preview,
    warnings: [...preview.warnings, warning],
    suggestedTemplate,
    previousImport: { id: earlier.id, fileName: earlier.file_name, createdAt: earlier.created_at },
  };
}
