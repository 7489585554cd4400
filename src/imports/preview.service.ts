import { checkSamples, type SampleCheck } from '../core/column-hints.js';
import type { Config } from '../config.js';
import type { FieldType } from '../core/field-types.js';
import type { FieldSpec, FlowSpec } from '../core/flow-spec.js';
import { routingFlow } from '../core/routing.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { requireFlow } from '../flows/flow.service.js';
import { openTabularFile, type ReadOverrides } from '../ingest/open-file.js';
import type { FileFormat, ReadSettings, TabularFile } from '../ingest/tabular.js';
import { planMapping, type TemplateUse } from './column-mapping.js';
import { columnHints } from './import.service.js';
import { openForFlow } from './sheet-choice.js';

export interface PreviewRequest {
  readonly file: string;
  readonly displayName?: string | undefined;
  /** Without a flow the file is read and its columns shown, none mapped. */
  readonly flowId?: string | undefined;
  /** A routed file (its rows name their flow and source): mapped to the fields of these flows instead. */
  readonly routing?: readonly FlowSpec[] | undefined;
  readonly read?: ReadOverrides | undefined;
  readonly mapping?: Readonly<Record<string, string | null>> | undefined;
  readonly template?: string | undefined;
  readonly rows?: number | undefined;
}

export interface PreviewColumn {
  index: number;
  header: string;
  field: string | null;
  confidence: number;
  note?: string | undefined;
  /** How the column's sample values fare as the target field's type, in figures and in words. */
  sample?: (SampleCheck & { message: string }) | undefined;
  /** For a skipped column: the custom field it could be kept as (map it to `+<name>`). */
  customField?: string | undefined;
}

/** The preview (the public contract of `leadport preview --json`, README), plus evidence, warnings and problems. */
export interface Preview {
  format: FileFormat;
  encoding: string | null;
  delimiter: string | null;
  hasHeader: boolean;
  sheets: string[];
  sheet: string | null;
  columns: PreviewColumn[];
  sampleRows: string[][];
  evidence: Partial<Record<keyof ReadSettings, string>>;
  warnings: string[];
  template: TemplateUse | null;
  problems: string[];
  /** The flow's required fields no column maps to (also named in `problems`). */
  missingRequired: string[];
}

/**
 * Reads only the start of a file: what was detected and why, the suggested mapping of every column with a
 * confidence and a check of its sample values, and the first rows as they will be imported.
 */
export async function previewFile(db: Kysely<DB>, config: Config, request: PreviewRequest): Promise<Preview> {
  const read = { maxBytes: config.maxUploadBytes, ...request.read, displayName: request.displayName };
  let flow: FlowSpec;
  if (request.routing) flow = routingFlow(request.routing);
  else if (request.flowId !== undefined) flow = await requireFlow(db, request.flowId);
  else return previewWithoutFlow(await openTabularFile(request.file, read), request.rows);
  const file = await openForFlow(request.file, read, flow);
  try {
    const plan = await planMapping(db, file, flow, { overrides: request.mapping, template: request.template });
    const hints = columnHints(
      file,
      plan.flow,
      plan.columns.map((column) => column.field),
    );
    const columns: PreviewColumn[] = plan.columns.map((column) => {
      const field = plan.flow.fields.find((candidate) => candidate.name === column.field);
      const check = field
        ? checkSamples(
            field,
            file.sample.map((record) => record.cells[column.index] ?? ''),
            { phoneRegion: flow.defaultPhoneRegion, ...hints[field.name] },
          )
        : undefined;
      const sample = field && check ? { ...check, message: sampleMessage(field, check) } : undefined;
      return {
        index: column.index,
        header: column.header,
        field: column.field,
        confidence: column.confidence,
        note: column.note,
        sample,
        ...(column.customField ? { customField: column.customField } : {}),
      };
    });
    return {
      ...readSettings(file),
      columns,
      ...fileSample(file, request.rows),
      template: plan.template,
      problems: plan.problems,
      missingRequired: plan.missingRequired,
    };
  } finally {
    file.close();
  }
}

/** Without a flow there is nothing to map to: the columns are shown, none mapped. */
function previewWithoutFlow(file: TabularFile, rows: number | undefined): Preview {
  try {
    const columns = file.headers.map((header, index) => ({ index, header, field: null, confidence: 0 }));
    return {
      ...readSettings(file),
      columns,
      ...fileSample(file, rows),
      template: null,
      problems: [],
      missingRequired: [],
    };
  } finally {
    file.close();
  }
}

function readSettings(file: TabularFile) {
  const { settings } = file;
  return {
    format: settings.format,
    encoding: settings.encoding,
    delimiter: settings.delimiter,
    hasHeader: settings.hasHeader,
    sheets: [...file.sheets],
    sheet: settings.sheet,
  };
}

function fileSample(file: TabularFile, rows = 10) {
  return {
    sampleRows: file.sample.slice(0, rows).map((record) => [...record.cells]),
    evidence: file.evidence,
    warnings: [...file.warnings],
  };
}

// What a valid value of each type is, in words: one, then several.
const TYPE_WORDS: Record<FieldType, readonly [string, string]> = {
  string: ['text', 'text'],
  email: ['a valid email', 'valid emails'],
  phone: ['a valid phone number', 'valid phone numbers'],
  postal_code: ['a valid postal code', 'valid postal codes'],
  state: ['a valid state', 'valid states'],
  country: ['a valid country', 'valid countries'],
  date: ['a valid date', 'valid dates'],
  number: ['a number', 'numbers'],
  boolean: ['a yes/no value', 'yes/no values'],
  choice: ['one of the choices', 'among the choices'],
  url: ['a valid URL', 'valid URLs'],
};

/**
 * A column's sample check in words, as the mapping step shows it: "12 of 20 sample values are not valid
 * emails (e.g. "ann@": ...)", "all 20 sample values are valid emails".
 */
function sampleMessage(field: FieldSpec, check: SampleCheck): string {
  const [one, several] = TYPE_WORDS[field.type];
  if (check.checked === 0) return 'no sample values to check (the sample is blank)';
  const repaired = check.repaired > 0 ? ` (${check.repaired} repaired)` : '';
  if (check.invalid === 0)
    return check.checked === 1
      ? `the one sample value is ${one}${repaired}`
      : `all ${check.checked} sample values are ${several}${repaired}`;
  const example = check.examples[0];
  const eg = example ? ` (e.g. "${example.value}": ${example.issue})` : '';
  return check.invalid === 1
    ? `1 of ${check.checked} sample values is not ${one}${eg}`
    : `${check.invalid} of ${check.checked} sample values are not ${several}${eg}`;
}
