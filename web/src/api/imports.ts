// The import-jobs API's types, all from the server's schemas (src/imports/*.schema.ts).
export type { ImportView } from '../../../src/imports/import.schema';
export type { ReportRowView as ReportRow } from '../../../src/imports/row-report.schema';
export type { ReadOptions, UploadPreview } from '../../../src/imports/upload.schema';

/** Statuses after which nothing more happens to an import (a revert aside). */
export const TERMINAL_STATUSES: readonly string[] = [
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'reverted',
];

/** header -> field name, null to skip, or "+name" for a new custom field. */
export type MappingChoices = Record<string, string | null>;

/** The status in words, as the summary and the history show it. */
export const STATUS_WORDS: Record<string, string> = {
  uploaded: 'Uploaded',
  queued: 'Queued',
  processing: 'Importing',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
  reverted: 'Reverted',
};

export const STATUS_COLORS: Record<string, string> = {
  uploaded: 'gray',
  queued: 'gray',
  processing: 'blue',
  completed: 'green',
  completed_with_errors: 'orange',
  failed: 'red',
  cancelled: 'gray',
  reverted: 'violet',
};
