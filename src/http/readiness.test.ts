import { describe, expect, it } from 'vitest';
import { runChecks, type CheckStatus } from './readiness.js';

describe('readiness checks', () => {
  it('reports each check by name: ok, failed, or timeout when the probe does not answer in time', async () => {
    const problems: [string, CheckStatus, unknown][] = [];
    const statuses = await runChecks(
      [
        { name: 'database', probe: async () => 1 },
        { name: 'queue', probe: () => new Promise(() => undefined) },
        { name: 'files', probe: async () => Promise.reject(new Error('gone')) },
      ],
      50,
      (name, status, error) => problems.push([name, status, error]),
    );
    expect(statuses).toEqual({ database: 'ok', queue: 'timeout', files: 'failed' });
    expect(problems).toEqual([
      ['files', 'failed', new Error('gone')],
      ['queue', 'timeout', undefined],
    ]);
  });
});
