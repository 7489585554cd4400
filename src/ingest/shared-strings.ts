import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Chunk {
  /** The index of the chunk's first string. */
  readonly first: number;
  /** Where the chunk's bytes start in the table as a whole (the sum of the earlier chunks' sizes). */
  readonly start: number;
  /** Bytes written into the chunk. */
  size: number;
  /** The chunk's bytes while they are in memory. */
  buffer: Buffer | null;
  /** Where the chunk was written in the spill file, once it was. */
  fileOffset: number | null;
}

/**
 * An XLSX workbook's shared-strings table. Cells refer to their text by index into it, so it must be held
 * whole while a sheet is read; Excel stores every text cell this way, so it holds most of a lead file's
 * names, emails and notes (56 MB for a 1M-row sheet). As exceljs's JS array a 300k-row table needed
 * ~100 MB of heap: the import worker's GC thrashed (107 s for 300k rows) or ran out of memory.
 *
 * Here strings are UTF-8 bytes in 4 MB chunks outside the JS heap, plus 4 bytes a string. At most 16 full
 * chunks (64 MB, more than a full-size Excel sheet of leads needs) stay in memory; beyond that the least
 * recently used go to a temporary file and are read back when a cell needs them, so a larger table (the zip
 * guard allows 1 GB) costs time, not memory. Not fewer: values that repeat across a sheet (ZIP codes,
 * cities) send cells to every part of the table, and with 4 resident chunks a 1M-row sheet took 50 s
 * instead of 40 s. close() removes the file.
 */
export class SharedStrings {
  readonly #chunkBytes: number;
  readonly #residentChunks: number;
  readonly #chunks: Chunk[] = [];
  /** Full chunks in memory, least recently used first (the chunk being filled is always in memory). */
  readonly #resident: number[] = [];
  /** Where each string starts in the table as a whole. */
  #starts = new Uint32Array(4096);
  #count = 0;
  #spill: { dir: string; fd: number; bytes: number } | null = null;

  constructor(options: { chunkBytes?: number; residentChunks?: number } = {}) {
    this.#chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024;
    this.#residentChunks = options.residentChunks ?? 16;
  }

  get size(): number {
    return this.#count;
  }

  /** Appends the next string of the table (its index is the table's size before). */
  add(text: string): void {
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    const room = text.length * 3;
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (!chunk?.buffer || chunk.size + room > chunk.buffer.length) chunk = this.#newChunk(room);
    if (this.#count === this.#starts.length) {
      const starts = new Uint32Array(this.#starts.length * 2);
      starts.set(this.#starts);
      this.#starts = starts;
    }
    const start = chunk.start + chunk.size;
    // Offsets are 32-bit; the zip guard keeps a workbook's inflated parts far below this.
    if (start + room > 0xffffffff) throw new RangeError('the shared-strings table is larger than 4 GB');
    this.#starts[this.#count++] = start;
    chunk.size += (chunk.buffer as Buffer).write(text, chunk.size, 'utf8');
  }

  /** The string at an index, or undefined when the table has no such entry. */
  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#count) return undefined;
    const number = this.#chunkOf(index);
    const chunk = this.#chunks[number] as Chunk;
    const next = this.#chunks[number + 1];
    const end =
      index + 1 < (next?.first ?? this.#count) ? (this.#starts[index + 1] as number) : chunk.start + chunk.size;
    return this.#bytesOf(number, chunk).toString(
      'utf8',
      (this.#starts[index] as number) - chunk.start,
      end - chunk.start,
    );
  }

  /** Removes the spill file, if there is one. */
  close(): void {
    if (!this.#spill) return;
    fs.closeSync(this.#spill.fd);
    fs.rmSync(this.#spill.dir, { recursive: true, force: true });
    this.#spill = null;
  }

  #newChunk(room: number): Chunk {
    const full = this.#chunks.length - 1;
    const previous = this.#chunks[full];
    if (previous) this.#resident.push(full);
    const buffer = this.#makeRoom(Math.max(room, this.#chunkBytes));
    const chunk: Chunk = {
      first: this.#count,
      start: previous ? previous.start + previous.size : 0,
      size: 0,
      buffer,
      fileOffset: null,
    };
    this.#chunks.push(chunk);
    return chunk;
  }

  /** A buffer of `bytes`, reusing the least recently used chunk's once too many full chunks are in memory. */
  #makeRoom(bytes: number): Buffer {
    if (this.#resident.length < this.#residentChunks) return Buffer.allocUnsafe(bytes);
    const victim = this.#chunks[this.#resident.shift() as number] as Chunk;
    const buffer = victim.buffer as Buffer;
    if (victim.fileOffset === null) {
      this.#spill ??= this.#openSpill();
      fs.writeSync(this.#spill.fd, buffer, 0, victim.size, this.#spill.bytes);
      victim.fileOffset = this.#spill.bytes;
      this.#spill.bytes += victim.size;
    }
    victim.buffer = null;
    return buffer.length >= bytes ? buffer : Buffer.allocUnsafe(bytes);
  }

  #bytesOf(number: number, chunk: Chunk): Buffer {
    if (chunk.buffer) {
      const at = this.#resident.indexOf(number);
      if (at !== -1 && at !== this.#resident.length - 1) this.#resident.push(...this.#resident.splice(at, 1));
      return chunk.buffer;
    }
    const buffer = this.#makeRoom(chunk.size);
    fs.readSync((this.#spill as { fd: number }).fd, buffer, 0, chunk.size, chunk.fileOffset);
    chunk.buffer = buffer;
    this.#resident.push(number);
    return buffer;
  }

  #chunkOf(index: number): number {
    let low = 0;
    let high = this.#chunks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.#chunks[middle] as Chunk).first <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  #openSpill(): { dir: string; fd: number; bytes: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-xlsx-strings-'));
    return { dir, fd: fs.openSync(path.join(dir, 'strings.bin'), 'w+'), bytes: 0 };
  }
}
