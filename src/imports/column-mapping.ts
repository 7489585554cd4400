import type { FlowSpec } from '../core/flow-spec.js';
import { headerFingerprint, suggestMapping, type ColumnMapping } from '../core/mapping.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import type { TabularFile } from '../ingest/tabular.js';
import { findTemplate, findTemplateByFingerprint } from '../templates/template.repository.js';

/** Where a mapping came from when a saved template was used. */
export interface TemplateUse {
  readonly id: string;
  readonly name: string;
  /** chosen: named by the user; fingerprint: the file's headers match the template's. */
  readonly how: 'chosen' | 'fingerprint';
}

export interface MappingPlan {
  readonly columns: ColumnMapping[];
  readonly template: TemplateUse | null;
  /** Why the mapping cannot be imported as it is (a field mapped twice, a required field unmapped). */
  readonly problems: string[];
}

export interface MappingChoices {
  /** Header -> field (or null to skip) choices that override everything else. */
  readonly overrides?: Readonly<Record<string, string | null>> | undefined;
  /** A template id or name; without it a template whose fingerprint matches the headers is used. */
  readonly template?: string | undefined;
}

const SAMPLE_ROWS = 50;

/**
 * The mapping of a file's columns to a flow's fields: the suggestion (headers, then sample values), then a
 * saved template, then the user's own choices, each overriding the one before.
 */
export async function planMapping(store: Store, file: TabularFile, flow: FlowSpec, choices: MappingChoices = {}): Promise<MappingPlan> {
  let columns = suggestMapping(file.headers, flow.fields, {
    samples: file.sample.slice(0, SAMPLE_ROWS).map((record) => record.cells),
    phoneRegion: flow.defaultPhoneRegion,
  });
  const known = new Set(flow.fields.map((field) => field.name));
  let template: TemplateUse | null = null;
  const saved = choices.template
    ? await findTemplate(store.db, flow.id, choices.template)
    : await findTemplateByFingerprint(store.db, flow.id, headerFingerprint(file.headers));
  if (choices.template && !saved) throw new AppError('not_found', `flow "${flow.id}" has no template "${choices.template}"`, { template: choices.template });
  if (saved) {
    template = { id: saved.id, name: saved.name, how: choices.template ? 'chosen' : 'fingerprint' };
    const mapping = JSON.parse(saved.mapping) as Record<string, string | null>;
    columns = columns.map((column) => {
      if (!Object.hasOwn(mapping, column.header)) return column;
      const field = mapping[column.header] ?? null;
      if (field && !known.has(field)) return { ...column, field: null, confidence: 0, note: `template "${saved.name}" maps it to ${field}, which the flow no longer has` };
      return { index: column.index, header: column.header, field, confidence: 1, note: `template "${saved.name}"` };
    });
  }
  const overrides = choices.overrides ?? {};
  for (const header of Object.keys(overrides)) {
    if (!file.headers.includes(header)) {
      throw new AppError('validation_failed', `${file.fileName} has no column "${header}" (its columns: ${file.headers.join(', ')})`, { header });
    }
    const field = overrides[header];
    if (field && !known.has(field)) {
      throw new AppError('validation_failed', `column "${header}" is mapped to "${field}", which is not a field of flow "${flow.id}"`, { header, field });
    }
  }
  columns = columns.map((column) => {
    if (!Object.hasOwn(overrides, column.header)) return column;
    return { index: column.index, header: column.header, field: overrides[column.header] ?? null, confidence: 1, note: 'chosen by the user' };
  });
  return { columns, template, problems: mappingProblems(columns, flow, file) };
}

function mappingProblems(columns: readonly ColumnMapping[], flow: FlowSpec, file: TabularFile): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (!column.field) continue;
    const previous = seen.get(column.field);
    if (previous !== undefined) problems.push(`columns "${previous}" and "${column.header}" are both mapped to ${column.field}`);
    else seen.set(column.field, column.header);
  }
  const missing = flow.fields.filter((field) => field.required && !seen.has(field.name)).map((field) => field.name);
  if (missing.length > 0) {
    const plural = missing.length > 1;
    problems.push(`required field${plural ? 's' : ''} ${missing.join(', ')} ${plural ? 'are' : 'is'} not mapped to any column (columns: ${file.headers.join(', ')})`);
  }
  return problems;
}

/** Throws validation_failed, naming the file, when a mapping has problems. */
export function assertImportable(plan: MappingPlan, fileName: string): void {
  if (plan.problems.length > 0) {
    throw new AppError('validation_failed', `${fileName}: ${plan.problems.join('; ')}`, { problems: plan.problems });
  }
}
