import { newId } from '../core/ids.js';
import { headerFingerprint, type ColumnMapping } from '../core/mapping.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { findTemplate, upsertTemplate } from './template.repository.js';

export interface SavedTemplate {
  id: string;
  flowId: string;
  name: string;
  mapping: Record<string, string | null>;
  fingerprint: string;
}

/** Saves a mapping as a named template of a flow (replacing the flow's template of that name). */
export async function saveTemplate(store: Store, flowId: string, name: string, columns: readonly ColumnMapping[]): Promise<SavedTemplate> {
  if (name.trim() === '') throw new AppError('validation_failed', 'a template needs a name', { field: 'name' });
  const mapping: Record<string, string | null> = Object.create(null);
  for (const column of columns) mapping[column.header] = column.field;
  const fingerprint = headerFingerprint(columns.map((column) => column.header));
  const now = new Date().toISOString();
  const existing = await findTemplate(store.db, flowId, name.trim());
  const id = existing?.id ?? newId();
  await upsertTemplate(store.db, {
    id,
    flow_id: flowId,
    name: name.trim(),
    mapping: JSON.stringify(mapping),
    fingerprint,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  });
  return { id, flowId, name: name.trim(), mapping: { ...mapping }, fingerprint };
}
