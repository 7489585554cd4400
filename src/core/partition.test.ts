import { describe, expect, it } from 'vitest';
import type { FieldType } from './field-types.js';
import type { DuplicatePolicy, FieldSpec, FlowSpec } from './flow-spec.js';
import { partitionable, rowPartition } from './partition.js';
import { compileFlow } from './pipeline.js';

const policy = (keys: DuplicatePolicy['keys'], extra: Partial<DuplicatePolicy> = {}): DuplicatePolicy => ({
  keys,
  windowDays: null,
  action: 'reject',
  scope: 'flow',
  ...extra,
});

const field = (name: string, type: FieldType, required = false): FieldSpec => ({
  name,
  label: name,
  type,
  required,
  aliases: [],
  choices: [],
  custom: false,
});

const flow = (duplicates?: DuplicatePolicy): FlowSpec => ({
  id: 'solar',
  name: 'Solar',
  defaultPhoneRegion: 'US',
  fields: [
    field('first_name', 'string', true),
    field('email', 'email', true),
    field('phone_1', 'phone'),
    field('postal_code', 'postal_code'),
  ],
  acceptance: { all: [{ field: 'email', op: 'format is valid' }] },
  duplicates,
  sources: [],
});

const targets = ['first_name', 'email', 'phone_1', 'postal_code', null];

describe('rowPartition', () => {
  it('puts rows whose key fields normalise to the same key in the same part, whatever their spelling', () => {
    const partOf = rowPartition({ flow: flow(policy(['email'])), targets, hints: {}, parts: 4 });
    const spellings = ['ANN@X.COM ', 'ann@x.com', ' Ann@X.com'];
    const parts = spellings.map((email, index) => partOf(['Ann', email, '', '', 'skipped'], 10 + index * 7));
    expect(new Set(parts).size).toBe(1);
    // The rest of the row (a different name, a required field blank) does not move it.
    expect(partOf(['', 'ann@x.com', '512-555-0143', '78701', 'x'], 999)).toBe(parts[0]);
  });

  it('uses the composite key of all its fields, normalised (a phone in any format)', () => {
    const partOf = rowPartition({
      flow: flow(policy([['email', 'phone_1']])),
      targets,
      hints: {},
      parts: 8,
    });
    const a = partOf(['Ann', 'ann@x.com', '(512) 555-0143', '', ''], 2);
    expect(partOf(['Bo', 'ANN@x.com', '+1 512 555 0143', '', ''], 3)).toBe(a);
    expect(partOf(['Bo', 'ANN@x.com', '+1 512 555 0143', '', ''], 4)).toBe(a);
  });

  it('agrees with the key the full flow computes for an accepted row', () => {
    const spec = flow(policy(['email']));
    const partOf = rowPartition({ flow: spec, targets, hints: {}, parts: 1000 });
    const full = compileFlow(spec).evaluate({ first_name: 'Ann', email: ' Ann@Example.COM' }, '');
    expect(full.keys).toEqual(['email=ann@example.com']);
    // A row whose only key is the same lowercased text lands with it.
    expect(partOf(['Cy', 'ann@example.com', '', '', ''], 5)).toBe(partOf(['Ann', ' Ann@Example.COM', '', '', ''], 6));
  });

  it('spreads rows without a key (blank key fields, or no duplicate policy) by record number', () => {
    const keyed = rowPartition({ flow: flow(policy(['email'])), targets, hints: {}, parts: 4 });
    const blank = Array.from({ length: 8 }, (_, index) => keyed(['Ann', '  ', '', '', ''], index + 2));
    expect(blank).toEqual([2, 3, 0, 1, 2, 3, 0, 1]);
    const unkeyed = rowPartition({ flow: flow(), targets, hints: {}, parts: 3 });
    expect([2, 3, 4].map((row) => unkeyed(['Ann', 'ann@x.com', '', '', ''], row))).toEqual([2, 0, 1]);
  });

  it('spreads distinct keys over every part, roughly evenly', () => {
    const partOf = rowPartition({ flow: flow(policy(['email'])), targets, hints: {}, parts: 4 });
    const counts = [0, 0, 0, 0];
    for (let index = 0; index < 4000; index++) {
      const part = partOf(['Ann', `lead${index}.abc@example.com`, '', '', ''], 2);
      counts[part] = (counts[part] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('is one part for one part', () => {
    const partOf = rowPartition({ flow: flow(policy(['email'])), targets, hints: {}, parts: 1 });
    expect(partOf(['Ann', 'ann@x.com', '', '', ''], 17)).toBe(0);
  });
});

describe('partitionable', () => {
  it('holds for no policy and for a single key (composite or not), not for alternative keys', () => {
    expect(partitionable(flow())).toBe(true);
    expect(partitionable(flow(policy(['email'])))).toBe(true);
    expect(partitionable(flow(policy([['email', 'phone_1']])))).toBe(true);
    expect(partitionable(flow(policy(['email', 'phone_1'])))).toBe(false);
  });
});
