/** One record as read from a file, before header handling: its cells, record number and first line. */
export interface RawRecord {
  readonly cells: string[];
  /** 1-based record number in the file (the spreadsheet row number; the header is record 1). */
  readonly recordNumber: number;
  /** 1-based physical line the record starts on, for text files. */
  readonly line?: number;
}

export type FileFormat = 'csv' | 'xlsx' | 'xls';

/** How a file was (or is to be) read: every detection can be overridden by the user. */
export interface ReadSettings {
  readonly format: FileFormat;
  readonly encoding: string | null;
  readonly delimiter: string | null;
  readonly hasHeader: boolean;
  readonly sheet: string | null;
}

/** A tabular file opened for streaming: its settings, column headers and a one-pass record iterator. */
export interface TabularFile {
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly settings: ReadSettings;
  readonly sheets: readonly string[];
  /** Column headers, unique and non-blank (generated where the file has none). */
  readonly headers: readonly string[];
  /** The header row as it was in the file (empty without a header row). */
  readonly originalHeaders: readonly string[];
  /** Why each setting was chosen ("byte-order mark for UTF-16LE", "chosen by the user"). */
  readonly evidence: Readonly<Partial<Record<keyof ReadSettings, string>>>;
  /** Things the user should look at before importing (mojibake, renamed headers). */
  readonly warnings: readonly string[];
  /** The first data records (already read to find the header): for previews, mapping and column hints. */
  readonly sample: readonly RawRecord[];
  /** Data records (the header row excluded), in batches; may be iterated once. */
  records(): AsyncGenerator<RawRecord[]>;
  /** The SHA-256 of the file's bytes, known once the records have been read to the end. */
  sha256(): string | null;
  /** How much of the file has been read, from 0 to 1 (for progress bars; the row count is unknown ahead). */
  fractionRead(): number;
  /** Releases the file when iteration stops early. */
  close(): void;
}

/**
 * Turns a header row into unique, non-blank column names: blanks become "Column N", repeats get " (2)",
 * " (3)". Deterministic, so a template made from one file matches the next export of the same system.
 */
export function uniqueHeaders(cells: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, index) => {
    const base = cell.trim() === '' ? `Column ${index + 1}` : cell.trim();
    const count = (seen.get(base.toLowerCase()) ?? 0) + 1;
    seen.set(base.toLowerCase(), count);
    return count === 1 ? base : `${base} (${count})`;
  });
}

/** Names for the columns of a file without a header row. */
export function generatedHeaders(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `Column ${index + 1}`);
}

/** yyyy-mm-dd for a date, with the time when it is not midnight (Excel dates are UTC-based in exceljs). */
export function dateText(date: Date): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19).replace('T', ' ');
}
