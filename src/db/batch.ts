// SQLite allows 32,766 bound parameters per statement and PostgreSQL 65,535: stay under both.
const MAX_PARAMETERS = 30_000;

/** Splits rows into chunks small enough for one multi-row statement with `columns` parameters a row. */
export function chunkForInsert<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}
