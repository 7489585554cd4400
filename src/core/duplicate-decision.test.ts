import { describe, expect, it } from 'vitest';
import type { StoredFields } from './dedup.js';
import {
  decideDuplicates,
  type DecisionCandidate,
  type DecisionInput,
  type StoredClaim,
} from './duplicate-decision.js';
import type { DuplicatePolicy } from './flow-spec.js';

interface Row extends DecisionCandidate {
  readonly fields: StoredFields;
}

const NOW = new Date('2024-06-30T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const policy = (extra: Partial<DuplicatePolicy> = {}): DuplicatePolicy => ({
  keys: ['email'],
  windowDays: null,
  action: 'reject',
  scope: 'flow',
  ...extra,
});

let counter = 0;
function row(
  keys: readonly string[],
  fields: StoredFields = {},
  verdict: Row['verdict'] = 'accepted',
  reason: string | null = null,
): Row {
  counter++;
  return { id: `new-${counter}`, verdict, reason, keys, fields };
}

function decide(submissions: readonly Row[], extra: Partial<DecisionInput<Row>> = {}) {
  return decideDuplicates<Row>({
    submissions,
    policy: policy(),
    fieldsOf: (submission) => submission.fields,
    claims: new Map(),
    storedFields: new Map(),
    now: NOW,
    claimedInFile: null,
    ...extra,
  });
}

const claim = (leadId: string, createdAt = daysAgo(1)): StoredClaim => ({ leadId, createdAt });

describe('decideDuplicates', () => {
  it('creates a lead per new key and claims its keys, sorted', () => {
    const a = row(['email=b@x.com', 'phone_1=+15125550143']);
    const b = row(['email=a@x.com']);
    const decision = decide([a, b], { policy: policy({ keys: ['email', 'phone_1'] }) });
    expect(decision.decisions.map((d) => [d.action, d.leadId])).toEqual([
      ['created', a.id],
      ['created', b.id],
    ]);
    expect(decision.created).toEqual([a.id, b.id]);
    expect(decision.claims).toEqual([
      { key: 'email=a@x.com', leadId: b.id },
      { key: 'email=b@x.com', leadId: a.id },
      { key: 'phone_1=+15125550143', leadId: a.id },
    ]);
    expect(decision.updates.size).toBe(0);
  });

  it('passes rejected and unreadable rows through with their reasons, claiming nothing', () => {
    const rejected = row([], {}, 'rejected', 'email is required');
    const errored = row([], {}, 'error', null);
    const decision = decide([rejected, errored]);
    expect(decision.decisions).toEqual([
      {
        outcome: 'failure',
        action: 'rejected',
        reason: 'email is required',
        leadId: rejected.id,
        duplicate: false,
        previous: null,
        unchanged: false,
      },
      {
        outcome: 'error',
        action: 'error',
        reason: 'row could not be read',
        leadId: errored.id,
        duplicate: false,
        previous: null,
        unchanged: false,
      },
    ]);
    expect(decision.claims).toEqual([]);
  });

  describe('reject', () => {
    it('fails a duplicate of a stored lead, naming the lead and the key fields', () => {
      const dup = row(['email=a@x.com']);
      const decision = decide([dup], { claims: new Map([['email=a@x.com', claim('stored-1')]]) });
      expect(decision.decisions[0]).toEqual({
        outcome: 'failure',
        action: 'duplicate',
        reason: 'duplicate',
        leadId: dup.id,
        duplicate: true,
        duplicateOf: { leadId: 'stored-1', key: 'email' },
        previous: null,
        unchanged: false,
      });
      expect(decision.created).toEqual([]);
    });
    it('fails a duplicate of an earlier row in the same batch', () => {
      const first = row(['email=a@x.com']);
      const second = row(['email=a@x.com']);
      const decision = decide([first, second]);
      expect(decision.decisions[1]).toMatchObject({
        action: 'duplicate',
        duplicateOf: { leadId: first.id, key: 'email' },
      });
      expect(decision.claims).toEqual([{ key: 'email=a@x.com', leadId: first.id }]);
    });
    it('matches on the first key that has an owner, in the policy order', () => {
      const dup = row(['email=new@x.com', 'phone_1=+15125550143']);
      const decision = decide([dup], {
        policy: policy({ keys: ['email', 'phone_1'] }),
        claims: new Map([['phone_1=+15125550143', claim('stored-2')]]),
      });
      expect(decision.decisions[0]?.duplicateOf).toEqual({ leadId: 'stored-2', key: 'phone_1' });
    });
  });

  describe('update and merge', () => {
    const stored = new Map<string, StoredFields>([
      ['stored-1', { first_name: 'Maria', city: null, phone_1: '+15125550143' }],
    ]);
    const claims = new Map([['email=a@x.com', claim('stored-1')]]);

    it('update overwrites a stored lead with the new non-empty values and keeps what it overwrote', () => {
      const dup = row(['email=a@x.com'], { first_name: 'María', city: 'Austin', phone_1: '' });
      const decision = decide([dup], { policy: policy({ action: 'update' }), claims, storedFields: stored });
      expect(decision.decisions[0]).toEqual({
        outcome: 'success',
        action: 'updated',
        reason: null,
        leadId: 'stored-1',
        duplicate: true,
        previous: stored.get('stored-1'),
        unchanged: false,
      });
      expect({ ...decision.updates.get('stored-1') }).toEqual({
        first_name: 'María',
        city: 'Austin',
        phone_1: '+15125550143',
      });
      expect(decision.claims).toEqual([]);
    });
    it('merge fills only the empty fields of a stored lead', () => {
      const dup = row(['email=a@x.com'], { first_name: 'María', city: 'Austin' });
      const decision = decide([dup], { policy: policy({ action: 'merge' }), claims, storedFields: stored });
      expect(decision.decisions[0]).toMatchObject({ action: 'merged', leadId: 'stored-1', duplicate: true });
      expect({ ...decision.updates.get('stored-1') }).toEqual({
        first_name: 'Maria',
        city: 'Austin',
        phone_1: '+15125550143',
      });
    });
    it('applies two updates of one stored lead in order; the second records the first as previous', () => {
      const one = row(['email=a@x.com'], { city: 'Austin' });
      const two = row(['email=a@x.com'], { city: 'Dallas' });
      const decision = decide([one, two], { policy: policy({ action: 'update' }), claims, storedFields: stored });
      expect(decision.decisions[1]?.previous).toMatchObject({ city: 'Austin' });
      expect(decision.updates.get('stored-1')?.city).toBe('Dallas');
    });
    it('combines a duplicate of a lead created earlier in the batch into the new lead, not an update', () => {
      const first = row(['email=a@x.com'], { first_name: 'Ann', city: null });
      const second = row(['email=a@x.com'], { first_name: 'Anna', city: 'Austin' });
      const merged = decide([first, second], { policy: policy({ action: 'merge' }) });
      expect(merged.decisions[1]).toMatchObject({ action: 'merged', leadId: first.id, previous: null });
      expect({ ...merged.createdFields.get(first.id) }).toEqual({ first_name: 'Ann', city: 'Austin' });
      expect(merged.updates.size).toBe(0);
      const updated = decide([first, second], { policy: policy({ action: 'update' }) });
      expect({ ...updated.createdFields.get(first.id) }).toEqual({ first_name: 'Anna', city: 'Austin' });
    });
    it('treats a stored lead without stored fields as empty', () => {
      const dup = row(['email=a@x.com'], { city: 'Austin' });
      const decision = decide([dup], { policy: policy({ action: 'update' }), claims });
      expect(decision.decisions[0]?.previous).toEqual({});
      expect({ ...decision.updates.get('stored-1') }).toEqual({ city: 'Austin' });
    });
  });

  describe('unchanged', () => {
    const stored = new Map<string, StoredFields>([
      ['stored-1', { first_name: 'Maria', city: null, phone_1: '+15125550143', age: 41 }],
    ]);
    const claims = new Map([['email=a@x.com', claim('stored-1')]]);
    const unchangedOf = (
      fields: StoredFields,
      extra: Partial<DuplicatePolicy>,
      input: Partial<DecisionInput<Row>> = {},
    ) => decide([row(['email=a@x.com'], fields)], { policy: policy(extra), claims, storedFields: stored, ...input });

    it('update: a duplicate carrying the stored values, in another order, changes nothing', () => {
      const decision = unchangedOf({ age: 41, phone_1: '+15125550143', first_name: 'Maria' }, { action: 'update' });
      expect(decision.decisions[0]).toMatchObject({
        action: 'updated',
        unchanged: true,
        previous: stored.get('stored-1'),
      });
    });
    it('update: blank values change nothing; one new value does', () => {
      expect(
        unchangedOf({ first_name: 'Maria', city: '', phone_1: null }, { action: 'update' }).decisions[0]?.unchanged,
      ).toBe(true);
      expect(unchangedOf({ first_name: 'Maria', city: 'Austin' }, { action: 'update' }).decisions[0]?.unchanged).toBe(
        false,
      );
      expect(unchangedOf({ first_name: 'María' }, { action: 'update' }).decisions[0]?.unchanged).toBe(false);
      // 41 the number is not "41" the text: a changed type is a change.
      expect(unchangedOf({ age: '41' }, { action: 'update' }).decisions[0]?.unchanged).toBe(false);
    });
    it('merge: other values for filled fields change nothing; filling an empty field does', () => {
      const same = unchangedOf({ first_name: 'Ann', phone_1: '+15125550100' }, { action: 'merge' });
      expect(same.decisions[0]).toMatchObject({ action: 'merged', unchanged: true });
      expect(unchangedOf({ first_name: 'Ann', city: 'Austin' }, { action: 'merge' }).decisions[0]?.unchanged).toBe(
        false,
      );
    });
    it('per-field policies: if_empty keeps a filled field, always clears it', () => {
      const ifEmpty = unchangedOf({ first_name: 'Ann' }, { action: 'update', fields: { first_name: 'if_empty' } });
      expect(ifEmpty.decisions[0]?.unchanged).toBe(true);
      const clears = unchangedOf({ phone_1: '' }, { action: 'update', fields: { phone_1: 'always' } });
      expect(clears.decisions[0]?.unchanged).toBe(false);
      // Clearing a field that is empty already changes nothing.
      const clearsEmpty = unchangedOf({ city: '' }, { action: 'update', fields: { city: 'always' } });
      expect(clearsEmpty.decisions[0]?.unchanged).toBe(true);
    });
    it('compares with the batch so far: a second duplicate repeating the first changes nothing more', () => {
      const one = row(['email=a@x.com'], { city: 'Austin' });
      const two = row(['email=a@x.com'], { city: 'Austin' });
      const decision = decide([one, two], { policy: policy({ action: 'update' }), claims, storedFields: stored });
      expect(decision.decisions.map((d) => d.unchanged)).toEqual([false, true]);
    });
    it('a duplicate of a lead created earlier in the batch: unchanged only when it adds nothing', () => {
      const first = row(['email=b@x.com'], { first_name: 'Ann', city: 'Austin' });
      const same = row(['email=b@x.com'], { city: 'Austin', first_name: 'Ann' });
      const other = row(['email=b@x.com'], { first_name: 'Ann', city: 'Dallas' });
      const decision = decide([first, same, other], { policy: policy({ action: 'update' }) });
      expect(decision.decisions.map((d) => [d.action, d.unchanged])).toEqual([
        ['created', false],
        ['updated', true],
        ['updated', false],
      ]);
    });
    it('a created, rejected or unmatched row is never unchanged, nor a stored lead whose fields are unknown', () => {
      const decision = decide([row(['email=c@x.com']), row([], {}, 'rejected', 'email is required')], {
        policy: policy({ action: 'update' }),
      });
      expect(decision.decisions.map((d) => d.unchanged)).toEqual([false, false]);
      expect(unchangedOf({}, { action: 'update' }, { storedFields: new Map() }).decisions[0]?.unchanged).toBe(false);
    });
    it('a dry run compares with the stored fields, and writes and records nothing', () => {
      const decision = unchangedOf({ first_name: 'Maria' }, { action: 'update' }, { claimedInFile: new Map() });
      expect(decision.decisions[0]).toMatchObject({ action: 'updated', unchanged: true, previous: null });
      expect(decision.updates.size).toBe(0);
      const changes = unchangedOf({ first_name: 'Ann' }, { action: 'update' }, { claimedInFile: new Map() });
      expect(changes.decisions[0]?.unchanged).toBe(false);
    });
    it("a dry run's match on a would-be lead of an earlier batch counts as updated, not unchanged", () => {
      const one = row(['email=d@x.com'], { first_name: 'Ann' });
      const two = row(['email=d@x.com'], { first_name: 'Ann' });
      const decision = decide([one, two], {
        policy: policy({ action: 'update' }),
        claimedInFile: new Map([['email=d@x.com', 'would-be-1']]),
      });
      expect(decision.decisions.map((d) => [d.action, d.leadId, d.unchanged])).toEqual([
        ['updated', 'would-be-1', false],
        ['updated', 'would-be-1', false],
      ]);
    });
  });

  describe('window', () => {
    it('without a window, a claim of any age counts', () => {
      const decision = decide([row(['email=a@x.com'])], {
        claims: new Map([['email=a@x.com', claim('stored-1', daysAgo(3650))]]),
      });
      expect(decision.decisions[0]?.action).toBe('duplicate');
      expect(decision.cutoff).toBeNull();
      expect(decision.expired).toEqual([]);
    });
    it('with a window in days, a claim inside it counts', () => {
      const decision = decide([row(['email=a@x.com'])], {
        policy: policy({ windowDays: 30 }),
        claims: new Map([['email=a@x.com', claim('stored-1', daysAgo(29))]]),
      });
      expect(decision.decisions[0]?.action).toBe('duplicate');
      expect(decision.cutoff).toBe(daysAgo(30));
    });
    it('an expired claim is released and the key claimed by the new lead', () => {
      const fresh = row(['email=a@x.com']);
      const decision = decide([fresh], {
        policy: policy({ windowDays: 30 }),
        claims: new Map([['email=a@x.com', claim('stored-1', daysAgo(31))]]),
      });
      expect(decision.decisions[0]?.action).toBe('created');
      expect(decision.expired).toEqual(['email=a@x.com']);
      expect(decision.claims).toEqual([{ key: 'email=a@x.com', leadId: fresh.id }]);
    });
    it('the window ends at the time passed in, not the clock', () => {
      const claims = new Map([['email=a@x.com', claim('stored-1', '2020-01-01T00:00:00.000Z')]]);
      const then = decide([row(['email=a@x.com'])], {
        policy: policy({ windowDays: 30 }),
        claims,
        now: new Date('2020-01-15T00:00:00.000Z'),
      });
      expect(then.decisions[0]?.action).toBe('duplicate');
    });
  });

  describe('composite keys', () => {
    const composite = policy({ keys: [['first_name', 'postal_code'], 'email'] });
    it('matches on a composite key by its field names', () => {
      const dup = row(['first_name+postal_code=Ann\u001f02134']);
      const decision = decide([dup], {
        policy: composite,
        claims: new Map([['first_name+postal_code=Ann\u001f02134', claim('stored-1')]]),
      });
      expect(decision.decisions[0]?.duplicateOf).toEqual({ leadId: 'stored-1', key: 'first_name+postal_code' });
    });
    it('a lead with another composite value is new', () => {
      const decision = decide([row(['first_name+postal_code=Ann\u001f02135'])], {
        policy: composite,
        claims: new Map([['first_name+postal_code=Ann\u001f02134', claim('stored-1')]]),
      });
      expect(decision.decisions[0]?.action).toBe('created');
    });
  });

  describe('dry run', () => {
    it('counts keys claimed earlier in the file as stored, whatever the window, and updates nothing', () => {
      const dup = row(['email=a@x.com'], { city: 'Austin' });
      const decision = decide([dup], {
        policy: policy({ action: 'update', windowDays: 30 }),
        claims: new Map([['email=a@x.com', claim('stored-1', daysAgo(400))]]),
        claimedInFile: new Map([['email=a@x.com', 'would-be-1']]),
      });
      expect(decision.decisions[0]).toMatchObject({ action: 'updated', leadId: 'would-be-1', previous: null });
      expect(decision.updates.size).toBe(0);
    });
    it('claims the keys of its would-be leads, for the ledger', () => {
      const fresh = row(['email=b@x.com']);
      const decision = decide([fresh], { claimedInFile: new Map() });
      expect(decision.claims).toEqual([{ key: 'email=b@x.com', leadId: fresh.id }]);
    });
  });

  it('without a policy nothing is a duplicate', () => {
    const decision = decide([row([]), row([])], { policy: undefined });
    expect(decision.decisions.map((d) => d.action)).toEqual(['created', 'created']);
  });
});
