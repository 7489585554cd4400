import { describe, expect, it } from 'vitest';
import { normalisePhone, parsePhone } from './phone.js';

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const digits = (next: () => number, count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');

const FORMATS: ((a: string, e: string, l: string) => string)[] = [
  (a, e, l) => `(${a}) ${e}-${l}`,
  (a, e, l) => `${a}.${e}.${l}`,
  (a, e, l) => `+1 ${a} ${e} ${l}`,
  (a, e, l) => `${a}${e}${l}`,
  (a, e, l) => `1-${a}-${e}-${l}`,
  (a, e, l) => `1${a}${e}${l}`,
  (a, e, l) => `+1${a}${e}${l}`,
  (a, e, l) => `${a}/${e}-${l}`,
  (a, e, l) => `+1 (${a}) ${e}-${l}`,
];

describe('the NANP fast path gives the same answers as libphonenumber-js', () => {
  for (const region of ['US', 'CA']) {
    it(`over 40,000 numbers in every common format (${region})`, () => {
      const next = random(region === 'US' ? 7 : 11);
      let checked = 0;
      let valid = 0;
      for (let i = 0; i < 40_000; i++) {
        // Mostly plausible area codes and exchanges, some impossible ones.
        const area = next() < 0.9 ? String(200 + Math.floor(next() * 800)) : digits(next, 3);
        const exchange = next() < 0.9 ? String(200 + Math.floor(next() * 800)) : digits(next, 3);
        const line = digits(next, 4);
        const text = FORMATS[i % FORMATS.length]!(area, exchange, line);
        const fast = normalisePhone(text, text, region);
        const library = parsePhone(text, text, region);
        expect(fast, text).toEqual(library);
        checked++;
        if (library.valid) valid++;
      }
      expect(checked).toBe(40_000);
      expect(valid).toBeGreaterThan(10_000);
      expect(checked - valid).toBeGreaterThan(1_000);
    });
  }

  it('leaves other formats and regions to the library', () => {
    expect(normalisePhone('512-555-0143 ext. 12', '512-555-0143 ext. 12', 'US')).toEqual(parsePhone('512-555-0143 ext. 12', '512-555-0143 ext. 12', 'US'));
    expect(normalisePhone('020 7946 0958', '020 7946 0958', 'GB').normal).toBe('+442079460958');
    expect(normalisePhone('5125550143', '5125550143', 'GB').valid).toBe(false);
  });
});
