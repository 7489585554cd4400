import { AppError } from '../errors.js';

/**
 * Import states and the transitions between them. An upload is `uploaded` while it is mapped and validated;
 * `start` queues it; a worker moves it to `processing` (and back to `queued` when it gives the job back at
 * shutdown); it ends `completed`, `completed_with_errors`, `failed` or `cancelled`; a revert makes an
 * ended import `reverted`.
 */
export const IMPORT_STATES = [
  'uploaded',
  'queued',
  'processing',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'reverted',
] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

const TRANSITIONS: Record<ImportState, readonly ImportState[]> = {
  uploaded: ['queued', 'cancelled'],
  queued: ['processing', 'cancelled', 'failed'],
  processing: ['queued', 'completed', 'completed_with_errors', 'failed', 'cancelled'],
  completed: ['reverted'],
  completed_with_errors: ['reverted'],
  failed: [],
  cancelled: ['reverted'],
  reverted: [],
};

/** States that no job will move on from (a revert aside). */
export const ENDED_STATES: readonly ImportState[] = [
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
  'reverted',
];

/** The states an import may be in to move to `to` (for guarded, atomic status updates). */
export function statesBefore(to: ImportState): ImportState[] {
  return IMPORT_STATES.filter((from) => TRANSITIONS[from].includes(to));
}

/** Whether the table allows `from` -> `to`. */
export function canTransition(from: string, to: ImportState): boolean {
  return (TRANSITIONS[from as ImportState] ?? []).includes(to);
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
