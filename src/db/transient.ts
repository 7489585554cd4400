// SQLite busy/locked; network failures; PostgreSQL admin shutdown / crash / restart / too many connections /
// connection failures / serialization and deadlock (the transaction was rolled back and may run again).
const TRANSIENT_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '40001',
  '40P01',
  // idle_in_transaction_session_timeout ended the transaction (a paused process): rolled back, may run again.
  '25P03',
]);

// node-postgres reports a connection lost under a client with these messages and no code.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /connection (was )?closed/i,
];

/**
 * True for a storage error a caller may retry once the database answers again: the statement or transaction
 * did not commit (busy SQLite, a PostgreSQL connection lost, restarted or overloaded, a serialization
 * failure). Such errors become `503 storage_unavailable` over HTTP and batch retries in imports.
 */
export function isTransientStorageError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}
