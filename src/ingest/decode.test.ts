import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DecodeStream, firstInvalidUtf8, utf8SequenceLength } from './decode.js';

// Windows-1252 bytes of Latin-1 text and the euro sign.
const cp1252 = (text: string) => Buffer.from([...text].map((char) => (char === '€' ? 0x80 : char.charCodeAt(0))));

async function decode(bytes: Buffer, chunk: number, fallback = true): Promise<{ text: string; stream: DecodeStream }> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const stream = new DecodeStream('utf-8', { fallback });
  let text = '';
  for await (const part of Readable.from(chunks).pipe(stream)) text += part as string;
  return { text, stream };
}

const ascii = `email,name\r\n${'ann@example.com,Ann\r\n'.repeat(5000)}`;

describe('utf8SequenceLength', () => {
  it('accepts valid sequences and refuses overlongs, surrogates and stray continuation bytes', () => {
    expect(utf8SequenceLength(Buffer.from('é'), 0)).toBe(2);
    expect(utf8SequenceLength(Buffer.from('€'), 0)).toBe(3);
    expect(utf8SequenceLength(Buffer.from('😀'), 0)).toBe(4);
    expect(utf8SequenceLength(Buffer.from([0xc0, 0x80]), 0)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xed, 0xa0, 0x80]), 0)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0x80]), 0)).toBe(0);
    expect(utf8SequenceLength(Buffer.from([0xe2, 0x82]), 0)).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xc3, 0xa9, 0xe9, 0x41]))).toBe(3);
  });
});

describe('DecodeStream with the Windows-1252 fallback', () => {
  it('reads valid UTF-8 whatever the chunk boundaries, characters split across them', async () => {
    const bytes = Buffer.from(`${ascii}Zoë,Kraków 😀 €\r\n`);
    for (const chunk of [1, 2, 3, 7, 64 * 1024]) {
      const { text, stream } = await decode(bytes, chunk);
      expect(text).toBe(bytes.toString('utf8'));
      expect(stream.fallback).toBeNull();
    }
  });

  it('reads an ASCII file with a late Windows-1252 byte exactly as a whole-file Windows-1252 reading', async () => {
    const bytes = Buffer.concat([
      Buffer.from(ascii),
      cp1252('José,Müller,€500\r\n'),
      Buffer.from('late@example.com,Late\r\n'),
    ]);
    const expected = new TextDecoder('windows-1252').decode(bytes, { stream: true });
    for (const chunk of [1, 5, 1000, 64 * 1024]) {
      const { text, stream } = await decode(bytes, chunk);
      expect(text).toBe(expected);
      expect(stream.fallback).toEqual({ mode: 'windows-1252', offset: ascii.length + 3 });
    }
  });

  it('keeps UTF-8 text as UTF-8 and reads each invalid byte as Windows-1252 when a file mixes encodings', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${ascii}Zoë,Kraków\r\n`),
      cp1252('José,€500\r\n'),
      Buffer.from('Łódź,Ünal\r\n'),
    ]);
    for (const chunk of [1, 3, 1000, 64 * 1024]) {
      const { text, stream } = await decode(bytes, chunk);
      expect(text).toBe(`${ascii}Zoë,Kraków\r\nJosé,€500\r\nŁódź,Ünal\r\n`);
      expect(stream.fallback?.mode).toBe('mixed');
    }
  });

  it('reads a file ending inside a sequence as Windows-1252', async () => {
    expect((await decode(Buffer.from([0x41, 0x42, 0xc3]), 1)).text).toBe('ABÃ');
    expect((await decode(Buffer.concat([Buffer.from('é'), Buffer.from([0xe2, 0x82])]), 1)).text).toBe('é\u00e2\u201a');
  });

  it('without the fallback (an encoding the user chose) replaces invalid bytes as before', async () => {
    const { text, stream } = await decode(cp1252('José'), 64 * 1024, false);
    expect(text).toBe('Jos\uFFFD');
    expect(stream.fallback).toBeNull();
  });

  it('hashes every byte', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n'), cp1252('é')]);
    const { stream } = await decode(bytes, 1);
    expect(stream.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
