// The characters COPY's text format gives a meaning to: the escape, the column delimiter and the row ends.
// Every other character (other control characters, any Unicode) is taken literally.
const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r\0]/g;

function escapeSpecial(character: string): string {
  switch (character) {
    case '\\':
      return '\\\\';
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      // `\0` would decode to a zero byte, which PostgreSQL text rejects like a NUL in a bound parameter:
      // say so before the COPY starts rather than fail the batch halfway through it.
      throw new RangeError('PostgreSQL text cannot hold a NUL character (U+0000)');
  }
}

/** One value in COPY text: `\N` for null, numbers as digits, text with its special characters escaped. */
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return SPECIAL.test(value) ? value.replace(SPECIALS, escapeSpecial) : value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new TypeError(`COPY text has no encoding for a value of type ${typeof value}`);
}

/**
 * Encodes rows in PostgreSQL's COPY text format (the default of `COPY ... FROM STDIN`): columns separated by
 * tabs, each row ended by a newline, null as `\N`, and backslash, tab, newline and carriage return escaped
 * with a backslash, so that an empty string stays distinct from null and a value cannot end its row early.
 */
export function copyText(rows: readonly (readonly unknown[])[]): string {
  let text = '';
  for (const row of rows) {
    for (let index = 0; index < row.length; index++) {
      if (index > 0) text += '\t';
      text += copyValue(row[index]);
    }
    text += '\n';
  }
  return text;
}
