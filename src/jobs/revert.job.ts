import { executeRevert, failRevert, REVERT_ATTEMPTS } from '../imports/revert.service.js';
import { dispatchPendingDeliveries } from '../webhooks/webhook.service.js';
import type { ImportJobPayload } from './import.job.js';
import type { JobDeps } from './job-deps.js';
import { JobReleased, type JobHandler } from './job-runner.js';

/**
 * Runs or resumes an import's revert (src/imports/revert.service.ts). An error leaves the revert running
 * for the runner's next try, which goes on from the last committed batch; after the last try the revert is
 * marked failed with the error, and asking for the revert again goes on from there.
 */
export function revertJob(deps: JobDeps): JobHandler {
  return async (payload, context) => {
    const { importId } = payload as ImportJobPayload;
    try {
      await executeRevert(deps.store, importId, { signal: context.signal });
    } catch (error) {
      if (error instanceof JobReleased || context.signal.aborted) throw error;
      const message = (error as Error)?.message ?? String(error);
      deps.log(`revert of import ${importId} failed (try ${context.attempt}): ${message}`);
      if (context.attempt >= REVERT_ATTEMPTS) await failRevert(deps.store.db, importId, message.slice(0, 500));
      throw error;
    }
    // The flow's webhook hears of the revert (its delivery was recorded in the revert's last transaction).
    await dispatchPendingDeliveries(deps);
  };
}
