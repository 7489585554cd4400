import { sql } from 'kysely';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Store } from '../db/database.js';

/** One thing GET /ready checks: its name (its key in the answer) and a probe that rejects when it is not ready. */
export interface ReadinessCheck {
  readonly name: string;
  probe(): Promise<unknown>;
}

/** A check's result: answered, failed (the probe rejected) or no answer within the timeout. */
export type CheckStatus = 'ok' | 'failed' | 'timeout';

/** The database answers a trivial query. */
export function databaseCheck(store: Store): ReadinessCheck {
  return { name: 'database', probe: () => sql`select 1`.execute(store.db) };
}

/** The job queue answers (the table or engine background work is queued in). */
export function queueCheck(jobs: JobRunner): ReadinessCheck {
  return { name: 'queue', probe: () => jobs.ping() };
}

/**
 * Runs every check at once, each within `timeoutMs` (a probe that hangs, such as a PostgreSQL connection
 * that is never accepted, counts as `timeout`), and returns each check's status by name. `onProblem` is
 * told the cause of each check that is not ok, for the log: the answer carries only the status.
 */
export async function runChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
  onProblem: (name: string, status: CheckStatus, error?: unknown) => void,
): Promise<Record<string, CheckStatus>> {
  const statuses = await Promise.all(
    checks.map(async (check) => {
      const status = await withinTimeout(check, timeoutMs).catch((error: unknown) => {
        onProblem(check.name, 'failed', error);
        return 'failed' as const;
      });
      if (status === 'timeout') onProblem(check.name, status);
      return [check.name, status] as const;
    }),
  );
  return Object.fromEntries(statuses);
}

async function withinTimeout(check: ReadinessCheck, timeoutMs: number): Promise<'ok' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'timeout');
  });
  try {
    // A probe that fails after the timeout won is handled by the race: no unhandled rejection.
    return await Promise.race([check.probe().then(() => 'ok' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
