import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { fileError } from '../errors.js';

/** How far a workbook's parts may inflate, in bytes actually inflated (see WORKBOOK_LIMITS). */
export interface InflateLimits {
  /** The parts read, together. */
  readonly maxInflatedBytes: number;
  /** Inflated/compressed ratio allowed once a part has inflated past ratioFromBytes. */
  readonly maxRatio: number;
  readonly ratioFromBytes: number;
}

/** Opens a zip by its central directory; a file_malformed error when it is not a readable zip. */
export function openZip(file: string, fileName: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip)
        reject(
          fileError(
            'file_malformed',
            { file: fileName },
            `not a readable Excel workbook (${error?.message ?? 'no zip directory'})`,
          ),
        );
      else resolve(zip);
    });
  });
}

/** The entries of a zip opened with lazyEntries, one at a time. */
export async function* entriesOf(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  while (true) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (value: yauzl.Entry) => {
        cleanup();
        resolve(value);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The parts of an XLSX workbook, opened by name in any order from the zip's central directory, as UTF-8
 * text streams. The zip guard checks the sizes a zip declares, but a zip can declare anything: a sheet that
 * declared 10 MB and inflated to 1.1 GB went through and exhausted the heap. So every part's bytes are
 * counted as they inflate, and the stream fails with a file_malformed error as soon as a part inflates past
 * the size its entry declares, the workbook's parts past maxInflatedBytes together, or a part past
 * maxRatio times the compressed bytes it came from. close() ends every stream still open.
 */
export class WorkbookParts {
  readonly #zip: yauzl.ZipFile;
  readonly #entries: ReadonlyMap<string, yauzl.Entry>;
  readonly #fileName: string;
  readonly #limits: InflateLimits;
  readonly #open = new Set<Readable>();
  /** Bytes inflated so far, all parts together. */
  #inflated = 0;

  private constructor(
    zip: yauzl.ZipFile,
    entries: ReadonlyMap<string, yauzl.Entry>,
    fileName: string,
    limits: InflateLimits,
  ) {
    this.#zip = zip;
    this.#entries = entries;
    this.#fileName = fileName;
    this.#limits = limits;
  }

  /** Reads a workbook's zip directory. */
  static async open(file: string, fileName: string, limits: InflateLimits): Promise<WorkbookParts> {
    const zip = await openZip(file, fileName);
    const entries = new Map<string, yauzl.Entry>();
    try {
      for await (const entry of entriesOf(zip)) if (!entries.has(entry.fileName)) entries.set(entry.fileName, entry);
    } catch (error) {
      zip.close();
      throw fileError(
        'file_malformed',
        { file: fileName },
        `not a readable Excel workbook (${(error as Error).message})`,
      );
    }
    return new WorkbookParts(zip, entries, fileName, limits);
  }

  has(part: string): boolean {
    return this.#entries.has(part);
  }

  /** A part's inflated content as text, metered; it fails with a file_malformed error past a limit. */
  async open(part: string): Promise<Readable> {
    const entry = this.#entries.get(part);
    if (!entry) throw this.#refuse(`it has no ${part}`);
    if (entry.isEncrypted()) throw this.#refuse(`${part} is encrypted`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
      throw this.#refuse(`${part} uses compression method ${entry.compressionMethod}, which Excel never writes`);
    // Raw bytes, inflated here: yauzl's own check of the declared size fails with a bare "too many bytes".
    const raw = await this.#zip.openReadStreamPromise(entry, { decodeFileData: false });
    const inflate = entry.compressionMethod === 8 ? zlib.createInflateRaw() : null;
    let inflated = 0;
    const meter = new PartMeter((bytes) => {
      inflated += bytes;
      this.#inflated += bytes;
      return this.#check(part, entry, inflated, inflate ? inflate.bytesWritten : inflated);
    });
    const streams = inflate ? [raw, inflate, meter] : [raw, meter];
    // Errors (a limit crossed, damaged data) destroy every stream of the part and reach the reader via meter.
    pipeline(streams, () => this.#open.delete(meter));
    this.#open.add(meter);
    return meter;
  }

  /** Ends the streams still open (a read stopped early or failed) and closes the zip. */
  close(): void {
    for (const stream of this.#open) stream.destroy();
    this.#open.clear();
    this.#zip.close();
  }

  /** The error for a part that has inflated `inflated` bytes from `compressed` so far, if it crossed a limit. */
  #check(part: string, entry: yauzl.Entry, inflated: number, compressed: number): Error | undefined {
    const { maxInflatedBytes, maxRatio, ratioFromBytes } = this.#limits;
    if (inflated > entry.uncompressedSize)
      return this.#refuse(
        `${part} inflates past ${megabytes(entry.uncompressedSize)}, the size its zip entry declares (zip bomb?)`,
      );
    if (this.#inflated > maxInflatedBytes)
      return this.#refuse(`the workbook inflates past ${megabytes(maxInflatedBytes)} at ${part} (zip bomb?)`);
    const ratio = inflated / Math.max(1, compressed);
    if (inflated > ratioFromBytes && ratio > maxRatio)
      return this.#refuse(`${part} inflates ${Math.round(ratio)} times its size (zip bomb?)`);
    return undefined;
  }

  #refuse(why: string): Error {
    return fileError('file_malformed', { file: this.#fileName }, why);
  }
}

/**
 * Counts a part's inflated bytes and checks them before passing them on, decoded as UTF-8 (characters split
 * between chunks are joined, which exceljs's own decoding of each chunk does not do).
 */
class PartMeter extends Transform {
  /** Told each chunk's size; returns the error that stops the part, if any. */
  readonly #check: (bytes: number) => Error | undefined;

  constructor(check: (bytes: number) => Error | undefined) {
    super({ encoding: 'utf8' });
    this.#check = check;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const problem = this.#check(chunk.length);
    if (problem) callback(problem);
    else callback(null, chunk);
  }
}
