import { describe, expect, it } from 'vitest';
import { copyText } from './copy-text.js';

describe('copyText', () => {
  it('separates columns with tabs and ends every row with a newline', () => {
    expect(
      copyText([
        ['a', 'b'],
        ['c', 'd'],
      ]),
    ).toBe('a\tb\nc\td\n');
    expect(copyText([])).toBe('');
  });

  it('writes null and undefined as \\N, and an empty string as nothing, so the two stay apart', () => {
    expect(copyText([[null, undefined, '', 'x']])).toBe('\\N\t\\N\t\tx\n');
  });

  it('escapes a backslash, so text that reads \\N or \\t stays text', () => {
    expect(copyText([['\\N', 'C:\\temp\\new', '\\']])).toBe('\\\\N\tC:\\\\temp\\\\new\t\\\\\n');
  });

  it('escapes tabs, newlines and carriage returns, which would otherwise end a column or a row', () => {
    expect(copyText([['a\tb', 'line 1\nline 2', 'crlf\r\nend', '\r']])).toBe(
      'a\\tb\tline 1\\nline 2\tcrlf\\r\\nend\t\\r\n',
    );
  });

  it('keeps JSON text exactly, quotes and escaped characters included', () => {
    const json = JSON.stringify({ notes: 'said "hi"\n\tthen left \\ o/', nul: 'a\u0000b' });
    expect(copyText([[json]])).toBe(`${json.replaceAll('\\', '\\\\')}\n`);
  });

  it('passes Unicode and other control characters through as they are', () => {
    const text = 'José 北京 👩‍👩‍👧 \u00a0\u200b\b\f\u000b\u0001\u007f';
    expect(copyText([[text]])).toBe(`${text}\n`);
  });

  it('writes numbers, bigints and booleans as their digits and words', () => {
    expect(copyText([[0, -12, 3.5, 10n, true, false]])).toBe('0\t-12\t3.5\t10\ttrue\tfalse\n');
  });

  it('refuses a NUL character, which PostgreSQL text cannot hold', () => {
    expect(() => copyText([['a\u0000b']])).toThrow(RangeError);
  });

  it('refuses values it has no text for rather than guessing', () => {
    expect(() => copyText([[{ a: 1 }]])).toThrow(TypeError);
    expect(() => copyText([[new Date(0)]])).toThrow(TypeError);
  });

  it('keeps very long values whole', () => {
    const long = 'x\\y\t'.repeat(100_000);
    const encoded = copyText([[long, 'end']]);
    expect(encoded).toBe(`${'x\\\\y\\t'.repeat(100_000)}\tend\n`);
  });
});
