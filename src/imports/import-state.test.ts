import { describe, expect, it } from 'vitest';
import { canTransition, finalState, statesBefore } from './import-state.js';

describe('import state transitions', () => {
  it('finishes only a processing import, once', () => {
    expect(statesBefore('completed')).toEqual(['processing']);
    expect(statesBefore('completed_with_errors')).toEqual(['processing']);
    // The CLI's SIGINT/SIGTERM stop (docs/decisions.md) and a user's cancel: cancelled, not failed.
    expect(statesBefore('cancelled')).toEqual(['uploaded', 'queued', 'processing']);
    expect(statesBefore('failed')).toEqual(['queued', 'processing']);
  });
  it('queues an upload, runs a queued import, and gives a running one back at shutdown', () => {
    expect(statesBefore('queued')).toEqual(['uploaded', 'processing']);
    expect(statesBefore('processing')).toEqual(['queued']);
  });
  it('reverts only an import that ended having stored something', () => {
    expect(statesBefore('reverted')).toEqual(['completed', 'completed_with_errors', 'cancelled']);
    expect(canTransition('failed', 'reverted')).toBe(false);
    expect(canTransition('reverted', 'reverted')).toBe(false);
  });
  it('ends a fully read import completed, or completed with errors', () => {
    expect(finalState(0)).toBe('completed');
    expect(finalState(3)).toBe('completed_with_errors');
  });
});
