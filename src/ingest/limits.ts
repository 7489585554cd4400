import { fileError, type AppError, type FileLocation } from '../errors.js';

/**
 * Limits on the shape of a row, enforced by every reader (CSV/TSV, XLSX, XLS) while it reads, so a crafted
 * file is refused before a huge row is built: one line of 200,000 columns, or one cell at column XFD that
 * would expand into 16,384 cells, exhausted the heap. A lead file needs nowhere near these.
 */
export const READ_LIMITS = Object.freeze({
  maxColumns: 2_000,
  /** Excel's own cell limit is 32,767 characters; a longer cell makes its row an error row, not this. */
  maxCellCharacters: 1024 * 1024,
  maxRowCharacters: 8 * 1024 * 1024,
});

/** A location's column as people name it: spreadsheet letters (1 is A, 16384 is XFD). */
export function columnLetters(column: number): string {
  let letters = '';
  for (let rest = column; rest > 0; rest = Math.floor((rest - 1) / 26))
    letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

/** The error for a row wider than the limit; `columns` is the row's width, or a lower bound with `atLeast`. */
export function tooManyColumns(where: FileLocation, columns: number, atLeast = false): AppError {
  const count = atLeast ? `more than ${columns}` : `${columns}`;
  return fileError('file_malformed', where, `the row has ${count} columns; the limit is ${READ_LIMITS.maxColumns}`);
}

/**
 * Checks a row as read against READ_LIMITS: its width, each cell and the row's total length. Returns the
 * file-level error for the first limit crossed (naming the column, by `columnName`), or undefined.
 */
export function rowLimitError(
  cells: readonly string[],
  where: FileLocation,
  columnName: (column: number) => string,
): AppError | undefined {
  if (cells.length > READ_LIMITS.maxColumns) return tooManyColumns(where, cells.length);
  let total = 0;
  for (let index = 0; index < cells.length; index++) {
    const length = (cells[index] as string).length;
    if (length > READ_LIMITS.maxCellCharacters) {
      return fileError(
        'file_malformed',
        { ...where, column: columnName(index + 1) },
        `a cell holds ${length} characters; the limit is ${READ_LIMITS.maxCellCharacters}`,
      );
    }
    total += length;
  }
  if (total > READ_LIMITS.maxRowCharacters) {
    return fileError(
      'file_malformed',
      where,
      `the row holds ${total} characters; the limit is ${READ_LIMITS.maxRowCharacters}`,
    );
  }
  return undefined;
}
