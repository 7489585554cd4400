/**
 * An XLSX workbook's shared-strings table, kept compactly outside the JS heap. Cells refer to their text by
 * index into this table, so it must be held whole while a sheet is read; Excel stores every text cell this
 * way, so it holds most of a lead file's names, emails and notes. As a JS array of strings (exceljs's
 * cache) a 300k-row file needed ~100 MB of heap, which the import worker's heap cannot hold: the GC
 * thrashed (107 s for 300k rows) or ran out of memory. Here each string costs its UTF-8 bytes plus twelve,
 * in fixed-size chunks that are filled once and never copied.
 */
export class SharedStrings {
  static readonly CHUNK_BYTES = 4 * 1024 * 1024;

  readonly #chunks: Buffer[] = [];
  #used = 0;
  // Per string: the chunk it is in, where it starts there, and its length in bytes.
  #chunkOf = new Int32Array(4096);
  #starts = new Int32Array(4096);
  #lengths = new Int32Array(4096);
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** Appends the next string of the table (its index is the table's size before). */
  add(text: string): void {
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    const room = text.length * 3;
    if (this.#chunks.length === 0 || this.#used + room > SharedStrings.CHUNK_BYTES) {
      this.#chunks.push(Buffer.allocUnsafe(Math.max(room, SharedStrings.CHUNK_BYTES)));
      this.#used = 0;
    }
    if (this.#count === this.#starts.length) this.#grow();
    const chunk = this.#chunks.length - 1;
    const length = (this.#chunks[chunk] as Buffer).write(text, this.#used, 'utf8');
    this.#chunkOf[this.#count] = chunk;
    this.#starts[this.#count] = this.#used;
    this.#lengths[this.#count] = length;
    this.#count++;
    // An oversized string has a chunk to itself; the next string starts a new one.
    this.#used = room > SharedStrings.CHUNK_BYTES ? SharedStrings.CHUNK_BYTES : this.#used + length;
  }

  /** The string at an index, or undefined when the table has no such entry. */
  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) return undefined;
    const start = this.#starts[index] ?? 0;
    return this.#chunks[this.#chunkOf[index] ?? 0]?.toString('utf8', start, start + (this.#lengths[index] ?? 0));
  }

  #grow(): void {
    const grown = (array: Int32Array) => {
      const bigger = new Int32Array(array.length * 2);
      bigger.set(array);
      return bigger;
    };
    this.#chunkOf = grown(this.#chunkOf);
    this.#starts = grown(this.#starts);
    this.#lengths = grown(this.#lengths);
  }
}
