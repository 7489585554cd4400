import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { DB, ImportTable } from '../db/schema.js';
import { AppError, isAppError } from '../errors.js';
import { withImportSource } from './import-source.js';
import { findImport, type ImportRow } from './import.repository.js';
import { importView, visibleImport } from './import-query.service.js';
import { previewFile, type Preview } from './preview.service.js';
import type { MappingResult, MappingUpdate } from './upload.schema.js';
import { chosenReadOptions, resolveTarget, storedReadSettings, uploadPreview, uploadTarget } from './upload.service.js';

type Choices = Record<string, string | null>;

/**
 * Changes an uploaded import before it runs (`PUT /api/imports/:id/mapping`): its flow, source, template,
 * read settings and mapping choices. The stored file is read again with them and the result stored: the
 * settings, the headers, the planned field of each column and the user's choices (merged into the earlier
 * ones; a new flow starts from none). A change of the flow, template or mapping that leaves a required
 * field unmapped is refused (422 required_fields_unmapped), as is one with other mapping problems (422
 * mapping_invalid); a request without such a change (nothing, or read settings) only reads the file again
 * and answers the state as it is, problems listed in the preview. A changed mapping drops an earlier
 * validation's report: it no longer says what the import would do.
 */
export async function updateMapping(
  db: Kysely<DB>,
  config: Config,
  principal: Principal,
  importId: string,
  update: MappingUpdate,
): Promise<MappingResult> {
  const row = await visibleImport(db, principal, importId);
  assertPreparing(row);
  const routed = update.routeByColumns ?? row.route_by_columns === 1;
  const routingChanged = routed !== (row.route_by_columns === 1);
  const flowChanged = routingChanged || (update.flowId !== undefined && update.flowId !== row.flow_id);
  const target = routed
    ? await uploadTarget(db, principal, {
        routeByColumns: true,
        flowId: update.flowId,
        sourceId: update.sourceId,
        templateId: update.templateId ?? undefined,
      })
    : await resolveTarget(db, principal, {
        flowId: update.flowId ?? (routingChanged ? undefined : (row.flow_id ?? undefined)),
        sourceId: update.sourceId ?? (routingChanged ? undefined : (row.source_id ?? undefined)),
      });
  if (routed && Object.values(update.mapping ?? {}).some((field) => field?.startsWith('+')))
    throw new AppError(
      'mapping_invalid',
      `${row.file_name}: a routed import's rows go to several flows, so it cannot add a custom field (+name): add it to the flows first`,
      { field: 'mapping' },
    );
  const stored: Choices = flowChanged || !row.mapping_choices ? {} : (JSON.parse(row.mapping_choices) as Choices);
  // Spread, not assign: a header named __proto__ stays a key.
  const choices: Choices = { ...stored, ...update.mapping };
  const template = routed
    ? undefined
    : update.templateId !== undefined
      ? (update.templateId ?? undefined)
      : flowChanged
        ? undefined
        : (row.template_id ?? undefined);
  const remaps =
    update.flowId !== undefined ||
    update.templateId !== undefined ||
    update.mapping !== undefined ||
    update.routeByColumns !== undefined;
  if (!routed && target.flowId === undefined && (update.mapping !== undefined || update.templateId))
    throw new AppError('validation_failed', `import ${row.id} has no flow yet: send flowId with the mapping`, {
      field: 'flowId',
    });
  const read = update.options ?? chosenReadOptions(row.options);
  const { preview, kept } = await withImportSource(
    db,
    row,
    (file) =>
      previewKeepingChoices(db, config, file, row.file_name, choices, update.mapping ?? {}, {
        flowId: target.flowId,
        routing: target.routing,
        read,
        template,
      }),
    'leadport-mapping-',
  );
  if (remaps && (target.flowId !== undefined || routed)) assertMappable(row, preview);

  const values = {
    flow_id: target.flowId ?? null,
    source_id: target.sourceId ?? null,
    route_by_columns: routed ? 1 : 0,
    template_id: preview.template?.id ?? null,
    format: preview.format,
    options: JSON.stringify(storedReadSettings(preview, read)),
    columns: JSON.stringify(preview.columns.map((column) => column.header)),
    mapping: JSON.stringify(preview.columns.map((column) => column.field)),
    mapping_choices: Object.keys(kept).length > 0 ? JSON.stringify(kept) : null,
  } satisfies Partial<ImportTable>;
  const changed = (Object.keys(values) as (keyof typeof values)[]).some((key) => values[key] !== row[key]);
  if (changed) await saveMapping(db, row, values);
  const now = (await findImport(db, row.id)) as ImportRow;
  return {
    import: importView(now),
    preview: await uploadPreview(db, principal, preview, {
      importId: row.id,
      flowId: target.flowId,
      sha256: row.file_sha256,
    }),
  };
}

function assertPreparing(row: ImportRow): void {
  if (row.status !== 'uploaded')
    throw new AppError(
      'invalid_state_transition',
      `import ${row.id} is ${row.status}: its mapping can change only before it starts`,
      { from: row.status },
    );
}

/**
 * The preview with the mapping choices. An earlier choice for a column the file no longer has (other read
 * settings found other headers) is dropped, not held against the user; one made in this request is an error.
 */
async function previewKeepingChoices(
  db: Kysely<DB>,
  config: Config,
  file: string,
  displayName: string,
  choices: Choices,
  requested: Readonly<Choices>,
  request: Pick<Parameters<typeof previewFile>[2], 'flowId' | 'routing' | 'read' | 'template'>,
): Promise<{ preview: Preview; kept: Choices }> {
  // The size was checked when it came in; a limit lowered since must not strand it.
  const reading = { ...config, maxUploadBytes: Number.POSITIVE_INFINITY };
  const kept: Choices = { ...choices };
  for (;;) {
    try {
      const mapping = Object.keys(kept).length > 0 ? kept : undefined;
      return { preview: await previewFile(db, reading, { file, displayName, ...request, mapping }), kept };
    } catch (error) {
      const header = isAppError(error) && !('field' in (error.details ?? {})) ? error.details?.header : undefined;
      if (typeof header !== 'string' || !Object.hasOwn(kept, header) || Object.hasOwn(requested, header)) throw error;
      delete kept[header];
    }
  }
}

/** Refuses a mapping the import could not run with: required fields first (what the user must add). */
function assertMappable(row: ImportRow, preview: Preview): void {
  const missing = preview.missingRequired;
  if (missing.length > 0) {
    const plural = missing.length > 1;
    throw new AppError(
      'required_fields_unmapped',
      `${row.file_name}: required field${plural ? 's' : ''} ${missing.join(', ')} ${plural ? 'are' : 'is'} not mapped to any column`,
      { fields: missing, problems: preview.problems },
    );
  }
  if (preview.problems.length > 0)
    throw new AppError('mapping_invalid', `${row.file_name}: ${preview.problems.join('; ')}`, {
      problems: preview.problems,
    });
}

/**
 * Stores the new mapping while the import is still only uploaded (checked in the UPDATE, so a start in
 * between wins) and no validation runs (its report would describe the old mapping); the earlier report goes.
 */
async function saveMapping(db: Kysely<DB>, row: ImportRow, values: Partial<ImportTable>): Promise<void> {
  const validation = row.validation ? (JSON.parse(row.validation) as { status?: string }) : null;
  if (validation?.status === 'running')
    throw new AppError(
      'invalid_state_transition',
      `import ${row.id} is being validated: change its mapping when the validation has finished`,
      { from: row.status },
    );
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('imports')
      .set({ ...values, validation: null })
      .where('id', '=', row.id)
      .where('status', '=', 'uploaded')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const now = await trx.selectFrom('imports').select('status').where('id', '=', row.id).executeTakeFirst();
      assertPreparing({ ...row, status: now?.status ?? 'missing' });
    }
    await trx.deleteFrom('import_report_rows').where('import_id', '=', row.id).execute();
  });
}
