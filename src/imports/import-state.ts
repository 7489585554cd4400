import { AppError } from '../errors.js';

/**
 * Import job states: the ones an import can be in today. An import is created
 * `processing`; `queued` (the job layer, resuming) and `reverted` (revert) come with the features that use them.
 */
const IMPORT_STATES = ['processing', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

const TRANSITIONS: Record<ImportState, readonly ImportState[]> = {
  processing: ['completed', 'completed_with_errors', 'failed', 'cancelled'],
  completed: [],
  completed_with_errors: [],
  failed: [],
  cancelled: [],
};

/** The states an import may be in to move to `to` (for guarded, atomic status updates). */
export function statesBefore(to: ImportState): ImportState[] {
  return IMPORT_STATES.filter((from) => TRANSITIONS[from].includes(to));
}

/** The error for a refused transition. */
export function transitionRefused(importId: string, from: string, to: ImportState): AppError {
  return new AppError('invalid_state_transition', `import ${importId} is ${from} and cannot become ${to}`, {
    from,
    to,
  });
}

/** The final state of an import that read its whole file. */
export function finalState(failed: number): ImportState {
  return failed === 0 ? 'completed' : 'completed_with_errors';
}
