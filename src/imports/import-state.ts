import { AppError } from '../errors.js';

/** Import job states (docs/imports.md). */
export const IMPORT_STATES = ['queued', 'processing', 'completed', 'completed_with_errors', 'failed', 'cancelled', 'reverted'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

const TRANSITIONS: Record<ImportState, readonly ImportState[]> = {
  queued: ['processing', 'cancelled', 'failed'],
  // processing -> queued: a worker that died mid-way hands the job back to be resumed.
  processing: ['completed', 'completed_with_errors', 'failed', 'cancelled', 'queued'],
  completed: ['reverted'],
  completed_with_errors: ['reverted'],
  failed: [],
  cancelled: ['reverted'],
  reverted: [],
};

export function canTransition(from: ImportState, to: ImportState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states an import may be in to move to `to` (for guarded, atomic status updates). */
export function statesBefore(to: ImportState): ImportState[] {
  return IMPORT_STATES.filter((from) => canTransition(from, to));
}

/** The error for a refused transition. */
export function transitionRefused(importId: string, from: string, to: ImportState): AppError {
  return new AppError('invalid_state_transition', `import ${importId} is ${from} and cannot become ${to}`, { from, to });
}

/** The final state of an import that read its whole file. */
export function finalState(failed: number): ImportState {
  return failed === 0 ? 'completed' : 'completed_with_errors';
}
