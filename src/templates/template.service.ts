import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { headerFingerprint, type ColumnMapping } from '../core/mapping.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireFlow } from '../flows/flow.service.js';
import {
  deleteTemplateRow,
  findTemplate,
  findTemplateById,
  listTemplates,
  renameTemplateRow,
  upsertTemplate,
  type TemplateRow,
} from './template.repository.js';
import type { SavedTemplate, TemplateCreate, TemplateView } from './template.schema.js';

/** A template row as the API and the CLI show it. */
export function templateView(row: TemplateRow): TemplateView {
  return {
    id: row.id,
    flowId: row.flow_id,
    name: row.name,
    mapping: JSON.parse(row.mapping) as Record<string, string | null>,
    updatedAt: row.updated_at,
  };
}

/** The saved templates, of one flow when given, by flow and name. */
export async function listTemplateViews(db: Kysely<DB>, flowId?: string): Promise<TemplateView[]> {
  return (await listTemplates(db, flowId)).map(templateView);
}

/** Saves a mapping as a named template of a flow (replacing the flow's template of that name). */
export async function saveTemplate(
  db: Kysely<DB>,
  flowId: string,
  name: string,
  columns: readonly ColumnMapping[],
): Promise<SavedTemplate> {
  if (name.trim() === '') throw new AppError('validation_failed', 'a template needs a name', { field: 'name' });
  const mapping: Record<string, string | null> = Object.create(null);
  for (const column of columns) mapping[column.header] = column.field;
  const now = new Date().toISOString();
  const existing = await findTemplate(db, flowId, name.trim());
  const row: TemplateRow = {
    id: existing?.id ?? newId(),
    flow_id: flowId,
    name: name.trim(),
    mapping: JSON.stringify(mapping),
    fingerprint: headerFingerprint(columns.map((column) => column.header)),
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  await upsertTemplate(db, row);
  const view = templateView(row);
  return { id: view.id, flowId: view.flowId, name: view.name, mapping: view.mapping, fingerprint: row.fingerprint };
}

/**
 * Saves a mapping given as header -> field (or null to skip), as `POST /api/templates` sends it: every
 * field must be one of the flow's.
 */
export async function saveTemplateMapping(db: Kysely<DB>, request: TemplateCreate): Promise<SavedTemplate> {
  const flow = await requireFlow(db, request.flowId);
  const known = new Set(flow.fields.map((field) => field.name));
  const columns = Object.entries(request.mapping).map(([header, field], index) => {
    if (field && !known.has(field))
      throw new AppError('validation_failed', `mapping.${header}: "${field}" is not a field of flow "${flow.id}"`, {
        field: `mapping.${header}`,
      });
    return { index, header, field, confidence: 1 };
  });
  return saveTemplate(db, flow.id, request.name, columns);
}

/** Renames a template; template_name_taken when another template of its flow has the name. */
export async function renameTemplate(db: Kysely<DB>, id: string, newName: string): Promise<TemplateView> {
  const name = newName.trim();
  if (name === '') throw new AppError('validation_failed', 'a template needs a name', { field: 'name' });
  const row = await findTemplateById(db, id);
  if (!row) throw new AppError('template_not_found', `no template with id "${id}"`);
  if (row.name === name) return templateView(row);
  const taken = async () => (await findTemplate(db, row.flow_id, name))?.name === name;
  const refused = () =>
    new AppError('template_name_taken', `flow "${row.flow_id}" already has a template named "${name}"`, {
      field: 'name',
    });
  try {
    if (!(await renameTemplateRow(db, id, name, new Date().toISOString())))
      throw new AppError('template_not_found', `no template with id "${id}"`);
  } catch (error) {
    // The unique (flow, name) index refused the name, also when two renames race for it.
    if (!(error instanceof AppError) && (await taken())) throw refused();
    throw error;
  }
  return templateView((await findTemplateById(db, id)) as TemplateRow);
}

/** Deletes a template (imports that used it keep their mapping); template_not_found when there is none. */
export async function deleteTemplate(db: Kysely<DB>, id: string): Promise<void> {
  if (!(await deleteTemplateRow(db, id))) throw new AppError('template_not_found', `no template with id "${id}"`);
}
