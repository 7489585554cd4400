import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DryRunLedger } from './dry-run-ledger.js';

describe('DryRunLedger', () => {
  it('remembers would-be keys across batches in a scratch file that close removes', async () => {
    const ledger = await DryRunLedger.open();
    try {
      expect(fs.readdirSync(ledger.folder)).toContain('ledger.db');
      ledger.record('flow:solar', [{ key: 'email=a@x.com', leadId: 'lead-a' }]);
      ledger.record('flow:solar', [
        { key: 'email=a@x.com', leadId: 'lead-late' },
        { key: 'email=b@x.com', leadId: 'lead-b' },
      ]);
      expect(ledger.lookup('flow:solar', ['email=a@x.com', 'email=b@x.com', 'email=c@x.com'])).toEqual(
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

  it("keeps each duplicate scope's keys apart (a routed file's rows go to several flows)", async () => {
    const ledger = await DryRunLedger.open();
    try {
      ledger.record('flow:solar', [{ key: 'email=a@x.com', leadId: 'lead-solar' }]);
      expect(ledger.lookup('flow:roofing', ['email=a@x.com'])).toEqual(new Map());
      expect(ledger.lookup('flow:solar', ['email=a@x.com'])).toEqual(new Map([['email=a@x.com', 'lead-solar']]));
    } finally {
      await ledger.close();
    }
  });
});
