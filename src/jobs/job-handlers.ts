import { housekeepingJob } from './housekeeping.job.js';
import { importJob } from './import.job.js';
import { importPartJob } from './import-part.job.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandlers } from './job-runner.js';
import { revertJob } from './revert.job.js';
import { validateJob } from './validate.job.js';
import { webhookJob } from './webhook.job.js';

/** Every job kind's handler (one file per kind in this folder), bound to this process's dependencies. */
export function jobHandlers(deps: JobDeps): JobHandlers {
  return {
    import: importJob(deps),
    'import-part': importPartJob(deps),
    validate: validateJob(deps),
    revert: revertJob(deps),
    housekeeping: housekeepingJob(deps),
    webhook: webhookJob(deps),
  };
}
