import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Decodes a byte stream to text with the WHATWG TextDecoder (utf-8, utf-16le/be, windows-1252 and the
 * rest of ICU's encodings), handling characters split across chunks and dropping a leading BOM. It also
 * hashes the bytes on the way through, so the file is read once.
 */
export class DecodeStream extends Transform {
  readonly #decoder: TextDecoder;
  readonly #hash: Hash = createHash('sha256');
  #digest: string | null = null;

  constructor(encoding: string) {
    super({ readableObjectMode: false, decodeStrings: true, encoding: 'utf8' });
    this.#decoder = new TextDecoder(encoding);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    const text = this.#decoder.decode(chunk, { stream: true });
    callback(null, text);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback(null, this.#decoder.decode());
  }

  /** The SHA-256 of every byte seen, once the stream has ended. */
  get sha256(): string | null {
    return this.#digest;
  }
}
