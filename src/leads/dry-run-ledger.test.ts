import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DryRunLedger } from './dry-run-ledger.js';

describe('DryRunLedger', () => {
  it('remembers would-be keys across batches in a scratch file that close removes', async () => {
    const ledger = await DryRunLedger.open();
    try {
      expect(fs.readdirSync(ledger.folder)).toContain('ledger.db');
      ledger.record([{ key: 'email=a@x.com', leadId: 'lead-a' }]);
      ledger.record([
        { key: 'email=a@x.com', leadId: 'lead-late' },
        { key: 'email=b@x.com', leadId: 'lead-b' },
      ]);
      expect(ledger.lookup(['email=a@x.com', 'email=b@x.com', 'email=c@x.com'])).toEqual(
        new Map([
          ['email=a@x.com', 'lead-a'],
          ['email=b@x.com', 'lead-b'],
        ]),
      );
    } finally {
      await ledger.close();
    }
    expect(fs.existsSync(ledger.folder)).toBe(false);
  });
});
