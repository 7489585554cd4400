import { describe, expect, it } from 'vitest';
import { finalState, statesBefore } from './import-state.js';

describe('import state transitions', () => {
  it('finishes only a processing import, once', () => {
    expect(statesBefore('completed')).toEqual(['processing']);
    expect(statesBefore('completed_with_errors')).toEqual(['processing']);
    expect(statesBefore('failed')).toEqual(['processing']);
    // The CLI's SIGINT/SIGTERM stop (docs/decisions.md): cancelled, not failed.
    expect(statesBefore('cancelled')).toEqual(['processing']);
    expect(statesBefore('processing')).toEqual([]);
  });
  it('ends a fully read import completed, or completed with errors', () => {
    expect(finalState(0)).toBe('completed');
    expect(finalState(3)).toBe('completed_with_errors');
  });
});
