import { checkSamples, type SampleCheck } from '../core/column-hints.js';
import type { Config } from '../config.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { requireFlow } from '../flows/flow.service.js';
import type { ReadOverrides } from '../ingest/open-file.js';
import type { FileFormat, ReadSettings } from '../ingest/tabular.js';
import { planMapping, type TemplateUse } from './column-mapping.js';
import { columnHints } from './import.service.js';
import { openForFlow } from './sheet-choice.js';

export interface PreviewRequest {
  readonly file: string;
  readonly displayName?: string | undefined;
  readonly flowId: string;
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
  /** How the column's sample values fare as the target field's type. */
  sample?: SampleCheck | undefined;
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
}

/**
 * Reads only the start of a file: what was detected and why, the suggested mapping of every column with a
 * confidence and a check of its sample values, and the first rows as they will be imported.
 */
export async function previewFile(db: Kysely<DB>, config: Config, request: PreviewRequest): Promise<Preview> {
  const flow = await requireFlow(db, request.flowId);
  const file = await openForFlow(
    request.file,
    { maxBytes: config.maxUploadBytes, ...request.read, displayName: request.displayName },
    flow,
  );
  try {
    const plan = await planMapping(db, file, flow, { overrides: request.mapping, template: request.template });
    const hints = columnHints(file, plan.flow, plan.columns);
    const columns: PreviewColumn[] = plan.columns.map((column) => {
      const field = plan.flow.fields.find((candidate) => candidate.name === column.field);
      const sample = field
        ? checkSamples(
            field,
            file.sample.map((record) => record.cells[column.index] ?? ''),
            { phoneRegion: flow.defaultPhoneRegion, ...hints[field.name] },
          )
        : undefined;
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
      format: file.settings.format,
      encoding: file.settings.encoding,
      delimiter: file.settings.delimiter,
      hasHeader: file.settings.hasHeader,
      sheets: [...file.sheets],
      sheet: file.settings.sheet,
      columns,
      sampleRows: file.sample.slice(0, request.rows ?? 10).map((record) => [...record.cells]),
      evidence: file.evidence,
      warnings: [...file.warnings],
      template: plan.template,
      problems: plan.problems,
    };
  } finally {
    file.close();
  }
}
