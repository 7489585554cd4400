import { describe, expect, it } from 'vitest';
import { combineFields, duplicateKeys, duplicateScope } from './dedup.js';
import { normalise } from './field-types.js';
import type { DuplicatePolicy } from './flow-spec.js';

const us = { phoneRegion: 'US' };
const policy = (keys: DuplicatePolicy['keys'], extra: Partial<DuplicatePolicy> = {}): DuplicatePolicy => ({
  keys,
  windowDays: null,
  action: 'reject',
  scope: 'flow',
  ...extra,
});

describe('duplicateKeys', () => {
  it('uses normalised values, so formatting does not hide a duplicate', () => {
    const a = duplicateKeys(policy(['email', 'phone_1']), {
      email: normalise('email', 'Maria@Example.com ', us),
      phone_1: normalise('phone', '(512) 555-0143', us),
    });
    const b = duplicateKeys(policy(['email', 'phone_1']), {
      email: normalise('email', 'maria@example.com', us),
      phone_1: normalise('phone', '+1 512 555 0143', us),
    });
    expect(a).toEqual(['email=maria@example.com', 'phone_1=+15125550143']);
    expect(b).toEqual(a);
  });
  it('builds composite keys only when every part is present', () => {
    const composite = policy([['first_name', 'postal_code']]);
    expect(
      duplicateKeys(composite, {
        first_name: normalise('string', 'Ann', us),
        postal_code: normalise('postal_code', '2134', us),
      }),
    ).toEqual(['first_name+postal_code=Ann\u001f02134']);
    expect(
      duplicateKeys(composite, {
        first_name: normalise('string', 'Ann', us),
        postal_code: normalise('postal_code', '', us),
      }),
    ).toEqual([]);
  });
  it('scopes keys to the flow or the account', () => {
    expect(duplicateScope(policy(['email']), 'solar')).toBe('flow:solar');
    expect(duplicateScope(policy(['email'], { scope: 'account' }), 'solar')).toBe('account');
  });
});

describe('combineFields', () => {
  const stored = { first_name: 'Maria', phone_1: '+15125550143', city: null };
  const incoming = { first_name: 'María', phone_1: '', city: 'Austin' };
  it('reject keeps the stored lead', () => {
    expect(combineFields('reject', stored, incoming)).toEqual(stored);
  });
  it('update overwrites with the new non-empty values', () => {
    expect({ ...combineFields('update', stored, incoming) }).toEqual({
      first_name: 'María',
      phone_1: '+15125550143',
      city: 'Austin',
    });
  });
  it('merge fills only empty fields', () => {
    expect({ ...combineFields('merge', stored, incoming) }).toEqual({
      first_name: 'Maria',
      phone_1: '+15125550143',
      city: 'Austin',
    });
  });
  it('follows a per-field policy over the action: always, if_new_non_empty, if_empty', () => {
    const lead = { first_name: 'Maria', last_name: 'Garcia', phone_1: '+15125550143', comments: 'old' };
    const duplicate = {
      first_name: 'María',
      last_name: null,
      phone_1: '+15125550199',
      comments: 'new',
      city: 'Austin',
    };
    expect({ ...combineFields('update', lead, duplicate, { phone_1: 'if_empty', last_name: 'always' }) }).toEqual({
      first_name: 'María',
      phone_1: '+15125550143',
      comments: 'new',
      city: 'Austin',
    });
    expect({
      ...combineFields('merge', lead, duplicate, { comments: 'always', first_name: 'if_new_non_empty' }),
    }).toEqual({
      first_name: 'María',
      last_name: 'Garcia',
      phone_1: '+15125550143',
      comments: 'new',
      city: 'Austin',
    });
  });
});
