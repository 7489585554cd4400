import { isAppError } from '../errors.js';
import { executeValidation } from '../imports/import-run.js';
import type { ImportJobPayload } from './import.job.js';
import type { JobDeps } from './job-deps.js';
import type { JobHandler } from './job-runner.js';

/**
 * Validates an uploaded import (a dry run of the whole file). A file that cannot be read is a finished
 * validation with its error in the import's figures, not a job to try again.
 */
export function validateJob(deps: JobDeps): JobHandler {
  return async (payload, context) => {
    const { importId } = payload as ImportJobPayload;
    try {
      await executeValidation(deps.store, deps.config, importId, { signal: context.signal });
    } catch (error) {
      if (!isAppError(error)) throw error;
      deps.log(`validation of import ${importId} failed: ${error.message}`);
    }
  };
}
