import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { SharedStrings } from './shared-strings.js';

const spillFolders = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('leadport-xlsx-strings-'));

function sample(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? `Müller ${i} 日本 🚀` : i % 3 === 1 ? '' : `lead${i}@example.com`,
  );
}

describe('SharedStrings', () => {
  it('gives back every string by index, in any script, with the default chunks', () => {
    const table = new SharedStrings();
    const texts = sample(50_000);
    for (const text of texts) table.add(text);
    expect(table.size).toBe(texts.length);
    for (const [index, text] of texts.entries()) expect(table.get(index)).toBe(text);
    table.close();
  });

  it('keeps only a few chunks in memory, spilling the rest to a file it reads back and removes', () => {
    const before = spillFolders();
    const table = new SharedStrings({ chunkBytes: 4096, residentChunks: 2 });
    const texts = sample(20_000);
    // A string larger than a chunk gets one of its own.
    texts.splice(7_000, 0, 'x'.repeat(10_000));
    for (const text of texts) table.add(text);
    expect(spillFolders().length).toBe(before.length + 1);
    // In order, as cells mostly ask, then out of order, going back and forth between spilled chunks.
    for (const [index, text] of texts.entries()) expect(table.get(index)).toBe(text);
    for (let i = 0; i < 5_000; i++) {
      const index = (i * 7_919) % texts.length;
      expect(table.get(index)).toBe(texts[index]);
    }
    table.close();
    expect(spillFolders()).toEqual(before);
  });

  it('has no entry outside the table, and may start with an empty string', () => {
    const table = new SharedStrings();
    table.add('');
    table.add('second');
    expect([table.get(0), table.get(1)]).toEqual(['', 'second']);
    expect([table.get(-1), table.get(2), table.get(0.5)]).toEqual([undefined, undefined, undefined]);
  });
});
