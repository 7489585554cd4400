/**
 * Finding the header row. Exports often open with lines that are not column names (a title, an export
 * date, a section name: Invoice Ninja writes three), some files have no header at all, and the data rows
 * below tell how wide the header must be. The rule knows shapes, not vendors.
 */

const EMAIL_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMBER_LIKE = /^[+-]?[\d.,]*\d[\d.,]*$/;
const DATE_LIKE = /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/;
const PHONE_LIKE = /^[+(]?\d[\d\s().-]{6,}\d$/;

/** Why a cell looks like a data value rather than a column name ("an email address"), or undefined. */
export function dataLike(cell: string): string | undefined {
  const text = cell.trim();
  if (EMAIL_LIKE.test(text)) return 'an email address';
  if (PHONE_LIKE.test(text)) return 'a phone number';
  if (DATE_LIKE.test(text)) return 'a date';
  if (NUMBER_LIKE.test(text)) return 'a number';
  return undefined;
}

/** How many leading (non-blank) records may be the header: title lines above it are rarely more than a few. */
export const HEADER_SCAN_ROWS = 20;

/** How many records below a candidate are looked at to know how wide the data is. */
const DATA_ROWS_SEEN = 20;

/** A header must name at least this share of the columns the data below fills; a title line names one. */
const MIN_COVERAGE = 0.5;

/** The number of cells up to and including the last non-empty one. */
export function filledWidth(cells: readonly string[]): number {
  let end = cells.length;
  while (end > 0 && (cells[end - 1] ?? '').trim() === '') end--;
  return end;
}

function distinctNames(cells: readonly string[]): number {
  const names = new Set<string>();
  for (const cell of cells) if (cell.trim() !== '') names.add(cell.trim().toLowerCase());
  return names.size;
}

// The median filled width of the records below `from`: how wide the data is, whatever a few odd rows do.
function dataWidth(rows: readonly (readonly string[])[], from: number): number {
  const widths = rows
    .slice(from, from + DATA_ROWS_SEEN)
    .map(filledWidth)
    .sort((a, b) => a - b);
  return widths[Math.floor(widths.length / 2)] ?? 0;
}

export interface HeaderRowChoice {
  /** The header's index among the rows given, or null when the file has no header row. */
  readonly index: number | null;
  /** Why, for the preview ("line 4 holds 25 distinct names ..."). */
  readonly evidence: string;
}

/**
 * Picks the header among the first non-blank records of a file (blank records already left out). A row
 * holding an email, phone, date or number as wide as the data is data, so the header can only be above it
 * (and a file whose first row is data has none). Among the rows above, the header is the one whose
 * distinct non-empty names cover most of the width of the data rows below it (more names break a tie,
 * then the earlier row): a title, a blank-padded section name or a date line covers one column of many.
 * `label` names a row for people ("line 4", "row 4").
 */
export function findHeaderRow(rows: readonly (readonly string[])[], label: (index: number) => string): HeaderRowChoice {
  let best: { index: number; coverage: number; names: number; width: number } | undefined;
  let dataRow: { index: number; value: string } | undefined;
  for (let index = 0; index < Math.min(rows.length, HEADER_SCAN_ROWS); index++) {
    const cells = rows[index] ?? [];
    const width = dataWidth(rows, index + 1) || filledWidth(cells);
    const value = cells.find((cell) => dataLike(cell) !== undefined);
    if (value !== undefined) {
      // A line filling at most half the data's width, holding a date or a number above it ("Exported,2024-01-05") is a title line.
      if (filledWidth(cells) * 2 <= width) continue;
      dataRow = { index, value };
      break;
    }
    const names = distinctNames(cells);
    const coverage = Math.min(names, width) / width;
    if (!best || coverage > best.coverage || (coverage === best.coverage && names > best.names))
      best = { index, coverage, names, width };
  }
  if (!best || best.coverage < MIN_COVERAGE) {
    if (dataRow && dataRow.index === 0) {
      return {
        index: null,
        evidence: `the first row holds "${dataRow.value.trim()}" (${dataLike(dataRow.value)}), so it is data`,
      };
    }
    return { index: null, evidence: 'no row above the data names its columns' };
  }
  if (best.index === 0) return { index: 0, evidence: `${label(0)} holds only names, no email, phone, date or number` };
  return {
    index: best.index,
    evidence: `${label(best.index)} holds the column names (${best.names} distinct names; the rows below fill ${best.width} columns); the ${best.index === 1 ? 'row' : `${best.index} rows`} above it name fewer columns and are skipped`,
  };
}
