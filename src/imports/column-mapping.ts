import type { Kysely } from 'kysely';
import { standardField } from '../core/catalogue.js';
import type { FieldSpec, FlowSpec } from '../core/flow-spec.js';
import type { DB } from '../db/schema.js';
import { customFieldName, headerFingerprint, suggestMapping, type ColumnMapping } from '../core/mapping.js';
import { AppError } from '../errors.js';
import { FAILED_RECORD_COLUMNS } from './failed-records.js';
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
  /** The flow's required fields that no column maps to (also named in `problems`). */
  readonly missingRequired: string[];
  /** Custom fields the user asked for (`Column=+name`) that the flow does not have yet: added before the import runs. */
  readonly newFields: FieldSpec[];
  /** The flow with those new fields: the one to import with. */
  readonly flow: FlowSpec;
}

export interface MappingChoices {
  /** Header -> field (or null to skip) choices that override everything else; `+name` is a new custom field. */
  readonly overrides?: Readonly<Record<string, string | null>> | undefined;
  /** A template id or name; without it a template whose fingerprint matches the headers is used. */
  readonly template?: string | undefined;
}

const SAMPLE_ROWS = 50;

/**
 * The mapping of a file's columns to a flow's fields: the suggestion (headers, then sample values), then a
 * saved template, then the user's own choices, each overriding the one before.
 */
export async function planMapping(
  db: Kysely<DB>,
  file: TabularFile,
  flow: FlowSpec,
  choices: MappingChoices = {},
): Promise<MappingPlan> {
  let columns = suggestMapping(file.headers, flow.fields, {
    samples: file.sample.slice(0, SAMPLE_ROWS).map((record) => record.cells),
    phoneRegion: flow.defaultPhoneRegion,
    hasHeader: file.settings.hasHeader,
  });
  // A failed-records file re-imports as the file it came from: its own columns keep the template's
  // fingerprint, and the columns Leadport added are never mapped.
  const ours = failedRecordColumns(file.headers);
  columns = columns.map((column) =>
    column.index >= ours
      ? {
          index: column.index,
          header: column.header,
          field: null,
          confidence: 0,
          note: 'added by Leadport to a failed-records file',
        }
      : column,
  );
  const known = new Set(flow.fields.map((field) => field.name));
  let template: TemplateUse | null = null;
  const saved = choices.template
    ? await findTemplate(db, flow.id, choices.template)
    : await findTemplateByFingerprint(db, flow.id, headerFingerprint(file.headers.slice(0, ours)));
  if (choices.template && !saved)
    throw new AppError('not_found', `flow "${flow.id}" has no template "${choices.template}"`, {
      template: choices.template,
    });
  if (saved) {
    template = { id: saved.id, name: saved.name, how: choices.template ? 'chosen' : 'fingerprint' };
    const mapping = JSON.parse(saved.mapping) as Record<string, string | null>;
    columns = columns.map((column) => {
      if (!Object.hasOwn(mapping, column.header)) return column;
      const field = mapping[column.header] ?? null;
      if (field && !known.has(field))
        return {
          ...column,
          field: null,
          confidence: 0,
          note: `template "${saved.name}" maps it to ${field}, which the flow no longer has`,
        };
      return { index: column.index, header: column.header, field, confidence: 1, note: `template "${saved.name}"` };
    });
  }
  const { overrides, newFields } = withNewFields(choices.overrides ?? {}, flow);
  for (const field of newFields) known.add(field.name);
  for (const header of Object.keys(overrides)) {
    if (!file.headers.includes(header)) {
      throw new AppError(
        'validation_failed',
        `${file.fileName} has no column "${header}" (its columns: ${file.headers.join(', ')})`,
        { header },
      );
    }
    const field = overrides[header];
    if (field && !known.has(field)) {
      throw new AppError(
        'validation_failed',
        `column "${header}" is mapped to "${field}", which is not a field of flow "${flow.id}"`,
        { header, field },
      );
    }
  }
  columns = columns.map((column) => {
    if (!Object.hasOwn(overrides, column.header)) return column;
    const field = overrides[column.header] ?? null;
    const created = newFields.some((candidate) => candidate.name === field);
    return {
      index: column.index,
      header: column.header,
      field,
      confidence: 1,
      note: created ? `chosen by the user: a new custom field of the flow` : 'chosen by the user',
    };
  });
  columns = columns.map((column, index) =>
    column.field || index >= ours || Object.hasOwn(overrides, column.header) ? column : offerCustomField(column, known),
  );
  const planned: FlowSpec = newFields.length > 0 ? { ...flow, fields: [...flow.fields, ...newFields] } : flow;
  return {
    columns,
    template,
    problems: mappingProblems(columns, planned, file),
    missingRequired: missingRequired(columns, planned),
    newFields,
    flow: planned,
  };
}

/**
 * Turns `Column=+name` choices into plain ones and lists the custom fields they need that the flow lacks
 * (type string, as HubSpot creates a text property from an import).
 */
function withNewFields(
  choices: Readonly<Record<string, string | null>>,
  flow: FlowSpec,
): { overrides: Record<string, string | null>; newFields: FieldSpec[] } {
  const overrides: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  const newFields: FieldSpec[] = [];
  for (const [header, choice] of Object.entries(choices)) {
    if (!choice?.startsWith('+')) {
      overrides[header] = choice;
      continue;
    }
    const name = choice.slice(1);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) {
      throw new AppError(
        'validation_failed',
        `column "${header}": "${name}" is not a field name (snake_case: lowercase letters, digits and _)`,
        { header, field: name },
      );
    }
    overrides[header] = name;
    const exists = flow.fields.some((field) => field.name === name);
    if (!exists && standardField(name)) {
      throw new AppError(
        'validation_failed',
        `column "${header}": ${name} is a standard field, not a custom one: add it to the flow, or choose another name`,
        { header, field: name },
      );
    }
    if (!exists && !newFields.some((field) => field.name === name)) {
      newFields.push({
        name,
        label: header,
        type: 'string',
        required: false,
        aliases: [header],
        choices: [],
        custom: true,
      });
    }
  }
  return { overrides, newFields };
}

/**
 * A skipped column, with the custom field it could be kept as: nothing is dropped without saying so. The
 * name never is a field the flow or the catalogue has ("company" holding yes/no is offered company_custom).
 */
function offerCustomField(column: ColumnMapping, known: ReadonlySet<string>): ColumnMapping {
  const plain = customFieldName(column.header, column.index);
  const name = known.has(plain) || standardField(plain) ? `${plain}_custom` : plain;
  const offer = `skipped; to keep it as a new custom field of the flow, map it to +${name}`;
  return { ...column, customField: name, note: column.note ? `${column.note}; ${offer}` : offer };
}

/** Where the columns a failed-records file adds (row, error, duplicate_of) start; the header's length when absent. */
function failedRecordColumns(headers: readonly string[]): number {
  const start = headers.length - FAILED_RECORD_COLUMNS.length;
  return start > 0 && FAILED_RECORD_COLUMNS.every((name, index) => headers[start + index] === name)
    ? start
    : headers.length;
}

function mappingProblems(columns: readonly ColumnMapping[], flow: FlowSpec, file: TabularFile): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (!column.field) continue;
    const previous = seen.get(column.field);
    if (previous !== undefined)
      problems.push(`columns "${previous}" and "${column.header}" are both mapped to ${column.field}`);
    else seen.set(column.field, column.header);
  }
  const missing = missingRequired(columns, flow);
  if (missing.length > 0) {
    const plural = missing.length > 1;
    // The data may be on another sheet of the workbook: say which there are.
    const sheets =
      file.sheets.length > 1 ? `; the workbook's sheets: ${file.sheets.join(', ')}; choose one with --sheet` : '';
    problems.push(
      `required field${plural ? 's' : ''} ${missing.join(', ')} ${plural ? 'are' : 'is'} not mapped to any column (columns: ${file.headers.join(', ')})${sheets}`,
    );
  }
  return problems;
}

function missingRequired(columns: readonly ColumnMapping[], flow: FlowSpec): string[] {
  const mapped = new Set(columns.map((column) => column.field));
  return flow.fields.filter((field) => field.required && !mapped.has(field.name)).map((field) => field.name);
}

/** Throws validation_failed, naming the file, when a mapping has problems. */
export function assertImportable(plan: MappingPlan, fileName: string): void {
  if (plan.problems.length > 0) {
    throw new AppError('validation_failed', `${fileName}: ${plan.problems.join('; ')}`, { problems: plan.problems });
  }
}
