import { describe, expect, it } from 'vitest';
import { SharedStrings } from './shared-strings.js';

describe('SharedStrings', () => {
  it('gives back every string by index, across chunks and growth, in any script', () => {
    const table = new SharedStrings();
    const texts = Array.from({ length: 200_000 }, (_, i) => (i % 3 === 0 ? `Müller ${i} 日本 🚀` : i % 3 === 1 ? '' : `lead${i}@example.com`));
    // Strings larger than a chunk get one of their own, between ordinary ones.
    texts.splice(1000, 0, 'x'.repeat(SharedStrings.CHUNK_BYTES), 'é'.repeat(SharedStrings.CHUNK_BYTES / 2));
    for (const text of texts) table.add(text);
    expect(table.size).toBe(texts.length);
    texts.forEach((text, index) => expect(table.get(index)).toBe(text));
  });
  it('has no entry outside the table, and may start with an empty string', () => {
    const table = new SharedStrings();
    table.add('');
    table.add('second');
    expect([table.get(0), table.get(1)]).toEqual(['', 'second']);
    expect([table.get(-1), table.get(2), table.get(0.5)]).toEqual([undefined, undefined, undefined]);
  });
});
