import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The length of the UTF-8 sequence starting at `at`: 1-4 when it is complete and valid (no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 when it is invalid, -1 when the bytes end inside a sequence that
 * could still be valid.
 */
export function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return 0;
  for (let index = 1; index < length; index++) {
    if (at + index >= bytes.length) return -1;
    const byte = bytes[at + index] as number;
    if (byte < (index === 1 ? low : 0x80) || byte > (index === 1 ? high : 0xbf)) return 0;
  }
  return length;
}

/** The offset of the first byte that does not start a valid UTF-8 sequence, or -1 (an incomplete end is not invalid). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let at = 0; at < bytes.length; ) {
    if ((bytes[at] as number) < 0x80) {
      at++;
      continue;
    }
    const length = utf8SequenceLength(bytes, at);
    if (length === 0) return at;
    if (length < 0) return -1;
    at += length;
  }
  return -1;
}

// How many bytes at the end begin a sequence the next chunk may complete (0-3).
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) return utf8SequenceLength(bytes, bytes.length - back) === -1 ? back : 0;
  }
  return 0;
}

// Windows-1252 decoding always streams: Node 20's TextDecoder drops bytes 0x80-0x9F (the euro sign, curly
// quotes) when a windows-1252 decode() is not given { stream: true }.
const WINDOWS_1252 = new TextDecoder('windows-1252');
const HIGH_1252: string[] = Array.from({ length: 128 }, (_, index) =>
  WINDOWS_1252.decode(Uint8Array.of(0x80 + index), { stream: true }),
);

// For runs of valid UTF-8 inside a file: a BOM there is text, not a mark to drop.
const UTF8_RUN = new TextDecoder('utf-8', { ignoreBOM: true });

function windows1252(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte < 0x80 ? String.fromCharCode(byte) : HIGH_1252[byte - 0x80];
  return text;
}

function concat(carry: Uint8Array, chunk: Uint8Array): Uint8Array {
  return carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
}

/** How a detected UTF-8 stream was read once a byte proved it is not all UTF-8. */
export type Utf8Fallback =
  | { readonly mode: 'windows-1252'; readonly offset: number }
  | { readonly mode: 'mixed'; readonly offset: number };

/**
 * Decodes a byte stream to text with the WHATWG TextDecoder (utf-8, utf-16le/be, windows-1252 and the
 * rest of ICU's encodings), handling characters split across chunks and dropping a leading BOM. It also
 * hashes the bytes on the way through, so the file is read once.
 *
 * With `fallback` (UTF-8 detected from the head of the file, not chosen by the user) the UTF-8 is strict,
 * and the first invalid byte decides, from the bytes before it alone, so the preview and the import of the
 * same file read every byte alike and no row already produced is ever wrong:
 * - every byte before it was ASCII: the file is Windows-1252 (Excel on Windows), and from there on it is
 *   read as such; ASCII reads the same in both, so the text is exactly a whole-file Windows-1252 reading;
 * - there was UTF-8 text before it: the file mixes encodings (exports pasted together); valid UTF-8 stays
 *   UTF-8 and each invalid byte is read as Windows-1252, instead of turning the UTF-8 into mojibake.
 */
export class DecodeStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  #digest: string | null = null;
  #decoder: TextDecoder;
  readonly #strict: boolean;
  /** Bytes of a sequence cut by the chunk boundary (strict and mixed modes). */
  #carry: Uint8Array = new Uint8Array(0);
  #ascii = true;
  #offset = 0;
  #fallback: Utf8Fallback | null = null;

  constructor(encoding: string, options: { fallback?: boolean } = {}) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    this.#decoder = new TextDecoder(encoding);
    this.#strict = options.fallback === true && this.#decoder.encoding === 'utf-8';
    if (this.#strict) this.#decoder = new TextDecoder('utf-8', { fatal: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    let text: string;
    if (!this.#strict || this.#fallback?.mode === 'windows-1252') text = this.#decoder.decode(chunk, { stream: true });
    else if (this.#fallback) text = this.#mixed(concat(this.#carry, chunk), false);
    else text = this.#strictly(chunk);
    this.#offset += chunk.length;
    callback(null, text);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    if (this.#strict && this.#carry.length > 0) {
      // The file ends inside a sequence: those bytes are not UTF-8 either.
      const carry = this.#carry;
      this.#carry = new Uint8Array(0);
      if (!this.#fallback)
        this.#fallback = this.#ascii
          ? { mode: 'windows-1252', offset: this.#offset - carry.length }
          : { mode: 'mixed', offset: this.#offset - carry.length };
      callback(null, this.#fallback.mode === 'mixed' ? this.#mixed(carry, true) : windows1252(carry));
      return;
    }
    callback(null, this.#strict && this.#fallback?.mode !== 'windows-1252' ? '' : this.#decoder.decode());
  }

  // Strict UTF-8 until the first invalid byte, then the fallback the bytes before it call for.
  #strictly(chunk: Buffer): string {
    const bytes = concat(this.#carry, chunk);
    const cut = incompleteTail(bytes);
    const whole = cut === 0 ? bytes : bytes.subarray(0, bytes.length - cut);
    let text: string | undefined;
    try {
      text = this.#decoder.decode(whole, { stream: true });
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      this.#carry = cut === 0 ? new Uint8Array(0) : bytes.slice(bytes.length - cut);
      // A multi-byte character (or a BOM, which is dropped) gives fewer UTF-16 units than it has bytes.
      if (text.length !== whole.length) this.#ascii = false;
      return text;
    }
    const found = firstInvalidUtf8(whole);
    const invalidAt = found === -1 ? whole.length : found;
    const before = whole.subarray(0, invalidAt);
    const asciiBefore = this.#ascii && before.every((byte) => byte < 0x80);
    const offset = this.#offset - this.#carry.length + invalidAt;
    this.#carry = new Uint8Array(0);
    if (asciiBefore) {
      this.#fallback = { mode: 'windows-1252', offset };
      this.#decoder = new TextDecoder('windows-1252');
      return this.#decoder.decode(bytes, { stream: true });
    }
    this.#fallback = { mode: 'mixed', offset };
    return UTF8_RUN.decode(before) + this.#mixed(bytes.subarray(invalidAt), false);
  }

  // Valid UTF-8 as UTF-8, every other byte as Windows-1252; a sequence cut by the chunk end waits for the next.
  #mixed(bytes: Uint8Array, end: boolean): string {
    let text = '';
    let run = 0;
    let at = 0;
    while (at < bytes.length) {
      if ((bytes[at] as number) < 0x80) {
        at++;
        continue;
      }
      const length = utf8SequenceLength(bytes, at);
      if (length > 0) {
        at += length;
        continue;
      }
      if (length < 0 && !end) break;
      if (run < at) text += UTF8_RUN.decode(bytes.subarray(run, at));
      text += HIGH_1252[(bytes[at] as number) - 0x80];
      at++;
      run = at;
    }
    if (run < at) text += UTF8_RUN.decode(bytes.subarray(run, at));
    this.#carry = at < bytes.length ? bytes.slice(at) : new Uint8Array(0);
    return text;
  }

  /** The SHA-256 of every byte seen, once the stream has ended. */
  get sha256(): string | null {
    return this.#digest;
  }

  /** For detected UTF-8: where the first invalid byte was and how the rest was read; null while all is UTF-8. */
  get fallback(): Utf8Fallback | null {
    return this.#fallback;
  }
}
