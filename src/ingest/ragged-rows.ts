import { filledWidth } from './header-row.js';

/**
 * Rows whose number of cells differs from the header's. Exports get this wrong in harmless ways all the
 * time: Thunderbird ends every row with one more (empty) field than its header, a header ending in `;`
 * names one more column than its rows fill, spreadsheets leave trailing empty cells out. Only a row with
 * values past the last column is a real problem: nobody can tell which columns those values belong to.
 */

/** How a row was made to fit the header. */
export type RowFit = 'fits' | 'padded' | 'trimmed' | 'too_wide';

/**
 * Fits a row to the header's width: a short row is padded with empty cells, empty cells past the last
 * column are dropped; a row with values past it is returned as it is (`too_wide`), so that the import
 * makes it an error row naming it.
 */
export function fitRow(cells: string[], width: number): { cells: string[]; fit: RowFit } {
  if (cells.length === width) return { cells, fit: 'fits' };
  if (cells.length < width) return { cells: cells.concat(Array<string>(width - cells.length).fill('')), fit: 'padded' };
  for (let index = width; index < cells.length; index++)
    if ((cells[index] ?? '').trim() !== '') return { cells, fit: 'too_wide' };
  return { cells: cells.slice(0, width), fit: 'trimmed' };
}

/**
 * The header's width: its last named column, or further when the data rows below hold values under
 * blank trailing header cells (those columns are real, only unnamed). A header ending in a delimiter
 * (`Email;Name;`) over rows that stop at Name is two columns wide.
 */
export function headerWidth(header: readonly string[], rows: readonly (readonly string[])[]): number {
  let width = filledWidth(header);
  for (const cells of rows) width = Math.max(width, Math.min(header.length, filledWidth(cells)));
  return width;
}

/** Counts of how the rows of a sample were fitted. */
export type FitCounts = Record<RowFit, number>;

/**
 * Preview warnings about ragged rows in the first `rows` rows of a text file (spreadsheets omit trailing
 * empty cells as a matter of course, so padding them is not worth a word).
 */
export function raggedWarnings(counts: FitCounts, rows: number, width: number, firstTooWide?: string): string[] {
  const warnings: string[] = [];
  // "the only row ends", "all 2 rows end", "1 of the first 4 rows end".
  const say = (count: number, one: string, many: string) =>
    rows === 1
      ? `the only row ${one}`
      : `${count === rows ? `all ${rows}` : `${count} of the first ${rows}`} rows ${many}`;
  if (counts.padded > 0)
    warnings.push(
      `${say(counts.padded, 'had', 'had')} fewer cells than the header (${width}) and ${rows === 1 ? 'was' : 'were'} padded with empty cells`,
    );
  if (counts.trimmed > 0)
    warnings.push(
      `${say(counts.trimmed, 'ends', 'end')} with extra empty cells past the header's ${width} columns: ignored`,
    );
  if (counts.too_wide > 0)
    warnings.push(
      `${say(counts.too_wide, 'holds', 'hold')} values past the header's ${width} columns and will fail${firstTooWide ? ` (${firstTooWide})` : ''}`,
    );
  return warnings;
}
