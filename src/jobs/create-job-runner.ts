import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { EmbeddedJobRunner } from './embedded-runner.js';
import { silentJobLog, type JobLog } from './job-log.js';
import type { JobRunner } from './job-runner.js';
import { PgBossJobRunner } from './pg-boss-runner.js';

/**
 * The job runner for a store: pg-boss on PostgreSQL (unless LEADPORT_QUEUE=embedded), else the runner over
 * the store's `jobs` table (any number of processes share either). Every process that enqueues or runs jobs
 * makes its runner here, so they all use the same queue. Call `stop()` when done: pg-boss's runner closes
 * its connections then.
 */
export function createJobRunner(store: Store, config: Config, log: JobLog = silentJobLog): JobRunner {
  if (store.dialect === 'postgres' && config.queue === 'pg-boss')
    return new PgBossJobRunner(store, { databaseUrl: config.databaseUrl, leaseMs: config.jobLeaseMs }, log);
  return new EmbeddedJobRunner(store.db, config.jobLeaseMs, log);
}
