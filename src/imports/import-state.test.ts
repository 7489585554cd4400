import { describe, expect, it } from 'vitest';
import { canTransition, finalState, statesBefore } from './import-state.js';

describe('import state transitions', () => {
  it('follows the table', () => {
    expect(canTransition('queued', 'processing')).toBe(true);
    expect(canTransition('processing', 'completed_with_errors')).toBe(true);
    expect(canTransition('completed', 'reverted')).toBe(true);
    expect(canTransition('failed', 'completed')).toBe(false);
    expect(canTransition('reverted', 'processing')).toBe(false);
    expect(canTransition('completed', 'processing')).toBe(false);
  });
  it('lists the states an import may come from', () => {
    expect(statesBefore('completed')).toEqual(['processing']);
    expect(statesBefore('reverted').sort()).toEqual(['cancelled', 'completed', 'completed_with_errors']);
    expect(statesBefore('failed').sort()).toEqual(['processing', 'queued']);
  });
  it('ends a fully read import completed, or completed with errors', () => {
    expect(finalState(0)).toBe('completed');
    expect(finalState(3)).toBe('completed_with_errors');
  });
  it('lets an interrupted import (processing) become cancelled, keeping what it committed, and be reverted later', () => {
    // The CLI's SIGINT/SIGTERM stop (docs/decisions.md): cancelled, not failed, which cannot be reverted.
    expect(canTransition('processing', 'cancelled')).toBe(true);
    expect(canTransition('cancelled', 'reverted')).toBe(true);
    expect(canTransition('failed', 'reverted')).toBe(false);
  });
});
