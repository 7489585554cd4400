import { describe, expect, it } from 'vitest';
import { idTime, newId } from './ids.js';

describe('idTime', () => {
  it('reads back when a UUIDv7 was made, and NaN for anything else', () => {
    const at = Date.parse('2026-12-01T04:00:00.000Z');
    expect(idTime(newId(at + 86_400_000 * 365))).toBe(at + 86_400_000 * 365);
    expect(idTime('01a22f77-ff9f-7000-a499-ea8f3b16860d')).toBe(0x01a22f77ff9f);
    expect(idTime('imp-1')).toBeNaN();
    expect(idTime('c56a4180-65aa-42ec-a945-5fd21dec0538')).toBeNaN();
  });
});
