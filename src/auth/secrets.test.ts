import { describe, expect, it } from 'vitest';
import { hashPassword, hashSecret, newSecret, verifyPassword } from './secrets.js';

describe('passwords', () => {
  it('hash with scrypt and a salt, and verify', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('wrong', hash)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
});

describe('secrets', () => {
  it('are random, prefixed, and stored as SHA-256', () => {
    const a = newSecret('lp_');
    expect(a).toMatch(/^lp_[\w-]{43}$/);
    expect(newSecret('lp_')).not.toBe(a);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(a)).toBe(hashSecret(a));
  });
});
