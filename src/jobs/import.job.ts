import { isAppError } from '../errors.js';
import { executeImportInParts } from '../imports/import-parts.js';
import { findImport } from '../imports/import.repository.js';
import { ENDED_STATES, type ImportState } from '../imports/import-state.js';
import { dispatchPendingDeliveries } from '../webhooks/webhook.service.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandler } from './job-runner.js';

/** The payload of import, validate and revert jobs. */
export interface ImportJobPayload {
  readonly importId: string;
}

/**
 * Runs or resumes an import (src/imports/import-run.ts), or splits it into `import-part` jobs
 * (LEADPORT_IMPORT_PARTS, src/imports/import-parts.ts). An import that failed as a whole (its file) is
 * already marked failed and undone when the error arrives here: the job is done, not retried; any other
 * error (the database away) leaves it to the runner's retries, which resume from the last committed batch.
 */
export function importJob(deps: JobDeps): JobHandler {
  return async (payload, context) => {
    const { importId } = payload as ImportJobPayload;
    try {
      await executeImportInParts(deps.store, deps.config, deps.jobs, importId, {
        signal: context.signal,
        metrics: deps.metrics,
      });
    } catch (error) {
      const row = await findImport(deps.store.db, importId);
      if (!row || !ENDED_STATES.includes(row.status as ImportState) || !isAppError(error)) throw error;
      deps.log(`import ${importId} failed: ${error.message}`);
    }
    // The flow's webhook hears that the import ended (its delivery was recorded with the final status).
    await dispatchPendingDeliveries(deps);
  };
}
