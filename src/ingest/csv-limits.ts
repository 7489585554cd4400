import { Transform, type TransformCallback } from 'node:stream';
import { fileError, type AppError } from '../errors.js';
import { READ_LIMITS, tooManyColumns } from './limits.js';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Enforces READ_LIMITS on delimited text before papaparse sees it. papaparse builds a record only once the
 * record's last line has arrived, and parses an unfinished record again with every chunk: a 21 MB line of
 * 200,000 columns (or a quote never closed) ran the heap out before any row could be checked. This stream
 * follows quoting as papaparse does (a field that starts with `"` is quoted, `""` is a quote), counts each
 * record's columns and characters as they pass, and fails with a file_malformed error naming the line the
 * record starts on: at once for a cell or record too long, at the end of the record for too many columns
 * (so the message gives the count). Nothing past a crossed limit is passed on.
 */
export class CsvLimitStream extends Transform {
  readonly #fileName: string;
  readonly #delimiter: number;
  #line = 1;
  #recordLine = 1;
  #columns = 1;
  #cellCharacters = 0;
  #recordCharacters = 0;
  #fieldStart = true;
  #inQuotes = false;
  /** A quote inside a quoted field: the next character tells an escaped quote from the closing one. */
  #quotePending = false;
  #afterCr = false;
  #failed = false;

  constructor(fileName: string, delimiter: string) {
    super({ decodeStrings: false, encoding: 'utf8' });
    this.#fileName = fileName;
    this.#delimiter = delimiter.charCodeAt(0);
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#failed) {
      callback();
      return;
    }
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const { passed, error } = this.#scan(text);
    if (passed > 0) this.push(text.slice(0, passed));
    if (error) this.#failed = true;
    callback(error);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#failed ? undefined : this.#recordEnd());
  }

  /** Scans a chunk: how much of it may be passed on, and the error that stops the file, if any. */
  #scan(text: string): { passed: number; error?: AppError } {
    // Past the column limit, a record is only counted (for the message), never passed on.
    let passed = this.#columns > READ_LIMITS.maxColumns ? 0 : text.length;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      this.#countLine(code);
      if (this.#quotePending) {
        this.#quotePending = false;
        if (code === QUOTE) {
          this.#cellCharacters++;
          this.#recordCharacters++;
          continue;
        }
        this.#inQuotes = false;
      }
      if (this.#inQuotes) {
        if (code === QUOTE) this.#quotePending = true;
        else this.#cellCharacters++;
      } else if (code === this.#delimiter) {
        this.#columns++;
        this.#cellCharacters = 0;
        this.#fieldStart = true;
        if (this.#columns === READ_LIMITS.maxColumns + 1) passed = Math.min(passed, index);
        continue;
      } else if (code === CR || code === LF) {
        const error = this.#recordEnd();
        if (error) return { passed: Math.min(passed, index), error };
        continue;
      } else if (code === QUOTE && this.#fieldStart) {
        this.#inQuotes = true;
      } else {
        this.#cellCharacters++;
      }
      this.#fieldStart = false;
      this.#recordCharacters++;
      const error = this.#sizeError();
      if (error) return { passed: Math.min(passed, index), error };
    }
    return { passed };
  }

  #countLine(code: number): void {
    if (code === LF && !this.#afterCr) this.#line++;
    if (code === CR) this.#line++;
    this.#afterCr = code === CR;
  }

  /** Ends a record at a line break outside quotes (or at the end of the text): the error for its width. */
  #recordEnd(): AppError | undefined {
    const columns = this.#columns;
    this.#columns = 1;
    this.#cellCharacters = 0;
    this.#recordCharacters = 0;
    this.#fieldStart = true;
    const where = { file: this.#fileName, line: this.#recordLine };
    this.#recordLine = this.#line;
    return columns > READ_LIMITS.maxColumns ? tooManyColumns(where, columns) : undefined;
  }

  #sizeError(): AppError | undefined {
    const where = { file: this.#fileName, line: this.#recordLine };
    // Past a limit inside quotes, the likeliest cause is a quote never closed: the rest of the file is one cell.
    const quote = this.#inQuotes ? ' (a quote that is never closed?)' : '';
    const { maxCellCharacters, maxRowCharacters, maxColumns } = READ_LIMITS;
    if (this.#cellCharacters > maxCellCharacters) {
      return fileError(
        'file_malformed',
        { ...where, column: `${this.#columns}` },
        `a cell holds more than ${maxCellCharacters} characters; the limit is ${maxCellCharacters}${quote}`,
      );
    }
    if (this.#recordCharacters <= maxRowCharacters) return undefined;
    if (this.#columns > maxColumns) return tooManyColumns(where, this.#columns, true);
    return fileError(
      'file_malformed',
      where,
      `the row holds more than ${maxRowCharacters} characters; the limit is ${maxRowCharacters}${quote}`,
    );
  }
}
