import { isAppError } from '../errors.js';
import { executeImportPart, type ImportPartJobPayload } from '../imports/import-parts.js';
import { findImport } from '../imports/import.repository.js';
import { ENDED_STATES, type ImportState } from '../imports/import-state.js';
import { dispatchPendingDeliveries } from '../webhooks/webhook.service.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandler } from './job-runner.js';

/**
 * Runs or resumes one part of a split import (src/imports/import-parts.ts); the part that ends last ends
 * the import. As for the import job: a part whose import failed as a whole (undone and marked failed) is
 * done, not retried; any other error leaves it to the runner's retries, which resume after the part's last
 * committed batch.
 */
export function importPartJob(deps: JobDeps): JobHandler {
  return async (payload, context) => {
    const { importId, part } = payload as ImportPartJobPayload;
    try {
      await executeImportPart(deps.store, deps.config, importId, part, {
        signal: context.signal,
        metrics: deps.metrics,
      });
    } catch (error) {
      const row = await findImport(deps.store.db, importId);
      if (!row || !ENDED_STATES.includes(row.status as ImportState) || !isAppError(error)) throw error;
      deps.log(`import ${importId} part ${part} failed: ${error.message}`);
    }
    // When this part ended the import, the flow's webhook hears it (the delivery was recorded with the status).
    await dispatchPendingDeliveries(deps);
  };
}
