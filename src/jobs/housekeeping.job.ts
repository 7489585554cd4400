import { pruneDoneJobs, removeExpiredFiles, removeOrphanUploads } from '../maintenance.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandler } from './job-runner.js';

/**
 * Hourly housekeeping (queued by startMaintenance): removes uploaded files past LEADPORT_FILE_RETENTION_DAYS,
 * keeping their imports' reports, the chunks of uploads that died before they became an import, and the rows
 * of jobs done more than a day ago. Each step only deletes what
 * is due, so running it twice does no harm.
 */
export function housekeepingJob(deps: JobDeps): JobHandler {
  return async () => {
    const files = await removeExpiredFiles(deps.store.db, deps.config.fileRetentionMs);
    const orphans = await removeOrphanUploads(deps.store.db);
    const jobs = await pruneDoneJobs(deps.store.db);
    if (files > 0 || orphans > 0 || jobs > 0)
      deps.log(
        `housekeeping: removed ${files} expired uploaded files, ${orphans} interrupted uploads, ${jobs} finished jobs`,
      );
  };
}
