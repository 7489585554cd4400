/**
 * CSV formula-injection safety for the files Leadport writes (failed records, lead exports): a cell that a
 * spreadsheet would run as a formula gets a leading apostrophe, which spreadsheets show as text. Decisions
 * (docs/decisions.md): a cell is judged by how it starts, whatever follows on later lines; leading
 * whitespace and line breaks are looked through, because spreadsheets may trim them; a plain number or
 * phone number is data, not a formula, and stays as it is.
 */
import Papa from 'papaparse';

// = + - @ start a formula; TAB and CR are on OWASP's list because some spreadsheets strip them and then
// read what follows. `\s*` looks through leading spaces and line breaks; without the `s`/`m` flags `^`
// is the start of the cell only, and nothing after the first character needs to match, so a cell that
// spans lines is caught like any other.
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@])/;

// A number, optionally signed, written with a phone number's characters: +15125550143, -12.5,
// +1 (512) 555-0143. With no letters, no cell reference or function can appear, so a spreadsheet at
// most does arithmetic with it. No TAB or line break: those are not part of a number.
const PLAIN_NUMBER = /^ *[+-]?[\d ().-]*\d[\d ().-]*$/;

/** True when a spreadsheet could run the cell as a formula (see the module comment for the rules). */
export function isDangerousCell(cell: string): boolean {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell);
}

/** The cell as it should be written to CSV: prefixed with `'` when it is dangerous, unchanged otherwise. */
export function neutraliseCell(cell: string): string {
  return isDangerousCell(cell) ? `'${cell}` : cell;
}

/** Neutralises every cell of a row (headers included: they are cells too). */
export function neutraliseRow(cells: readonly string[]): string[] {
  return cells.map(neutraliseCell);
}

/**
 * Rows as CSV lines (CRLF, each line ended), every cell neutralised. papaparse's own escapeFormulae is not
 * used: it misses formulas that span lines and prefixes every phone number.
 */
export function safeCsvLines(rows: readonly (readonly string[])[]): string {
  return `${Papa.unparse(rows.map(neutraliseRow), { newline: '\r\n' })}\r\n`;
}
