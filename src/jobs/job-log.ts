/**
 * What the job runners log through: the part of a pino logger they use, so Fastify's `app.log` is one, and
 * `lineJobLog` stands in where a process has no pino logger (the worker, the CLI).
 */
export interface JobLog {
  child(bindings: Record<string, unknown>): JobLog;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Logs nothing (tests, and CLI commands whose errors reach the user anyway). */
export const silentJobLog: JobLog = {
  child: () => silentJobLog,
  info: () => {},
  warn: () => {},
};

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * One text line per entry for a process without a pino logger: the message, then its fields
 * (`job started (jobId=..., kind=import, importId=..., attempt=1)`); an `err` field shows its message.
 * Entries below `level` (LOG_LEVEL) are left out.
 */
export function lineJobLog(
  write: (line: string) => void,
  level = 'info',
  bindings: Record<string, unknown> = {},
): JobLog {
  const line = (entryLevel: string) => (fields: Record<string, unknown>, message: string) => {
    if (LEVELS.indexOf(entryLevel) < LEVELS.indexOf(level)) return;
    const shown = Object.entries({ ...bindings, ...fields }).map(
      ([name, value]) => `${name}=${value instanceof Error ? value.message : String(value)}`,
    );
    write(shown.length > 0 ? `${message} (${shown.join(', ')})` : message);
  };
  return {
    child: (more) => lineJobLog(write, level, { ...bindings, ...more }),
    info: line('info'),
    warn: line('warn'),
  };
}

/**
 * A JobLog that writes through whichever logger `current()` returns when it writes: the server makes its
 * runner before its Fastify app (whose routes need the runner), and logs through the app's logger once it
 * exists.
 */
export function deferredJobLog(current: () => JobLog): JobLog {
  return {
    child: (bindings) => deferredJobLog(() => current().child(bindings)),
    info: (fields, message) => current().info(fields, message),
    warn: (fields, message) => current().warn(fields, message),
  };
}

/**
 * The logger for one try of a job: every line carries the job's id, kind, try and, for the jobs of an
 * import (import, import part, validation, revert), the import's id (and the part's number), so an
 * import's log lines can be found by either id.
 */
export function jobTryLog(
  log: JobLog,
  job: { readonly id: string; readonly kind: string; readonly payload: unknown; readonly attempt: number },
): JobLog {
  const { importId, part } = (job.payload ?? {}) as { importId?: unknown; part?: unknown };
  return log.child({
    jobId: job.id,
    kind: job.kind,
    ...(typeof importId === 'string' ? { importId } : {}),
    ...(typeof part === 'number' ? { part } : {}),
    attempt: job.attempt,
  });
}
