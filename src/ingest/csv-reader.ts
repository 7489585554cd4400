import { pipeline, type Readable } from 'node:stream';
import Papa from 'papaparse';
import { fileError, isAppError } from '../errors.js';
import { CsvLimitStream } from './csv-limits.js';
import { rowLimitError } from './limits.js';
import type { RawRecord } from './tabular.js';

export interface CsvReadOptions {
  /** A decoded text stream (the caller handles bytes, encodings and the BOM). */
  readonly text: Readable;
  readonly fileName: string;
  /** A single-character delimiter. */
  readonly delimiter: string;
  /** Lines to skip before the first record (Excel's `sep=;` line). */
  readonly skipLines?: number;
}

/**
 * Streams a delimited text file as batches of records with papaparse. Backpressure is applied to the text
 * stream, not to papaparse (its pause() loses the completion callback at the end of a stream): while a
 * parsed batch waits for the consumer, no more text is read, so memory does not grow with the file. Each
 * record carries its record number and the physical line it starts on (quoted fields may span lines). An
 * unterminated quote is a file-level error naming the line and column where the quote opened. A record
 * past READ_LIMITS (too many columns, a cell or the record too long) is a file-level error too, raised
 * while the text streams (CsvLimitStream) and checked again on each record as papaparse produces it.
 */
export async function* readCsvRecords(options: CsvReadOptions): AsyncGenerator<RawRecord[]> {
  const queue: RawRecord[][] = [];
  let finished = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let parserRef: Papa.Parser | undefined;
  let recordNumber = 0;
  let toSkip = options.skipLines ?? 0;
  let line = 1;
  let newline = '\n';

  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  // Errors of the text stream (a limit crossed, a read error) reach papaparse's error callback via `text`.
  const text = pipeline(options.text, new CsvLimitStream(options.fileName, options.delimiter), () => undefined);
  Papa.parse<string[]>(text, {
    delimiter: options.delimiter,
    skipEmptyLines: false,
    chunk(results, parser) {
      if (failure) return;
      parserRef = parser;
      newline = results.meta.linebreak || newline;
      const quoteError = results.errors.find((error) => error.code === 'MissingQuotes');
      const batch: RawRecord[] = [];
      const rows = results.data;
      for (let index = 0; index < rows.length; index++) {
        const cells = rows[index] ?? [];
        if (toSkip > 0) {
          toSkip--;
          line += 1 + countLineBreaks(cells, newline);
          continue;
        }
        recordNumber++;
        if (quoteError && quoteError.row === index) {
          failure = fileError(
            'file_malformed',
            { file: options.fileName, line, column: `${cells.length}` },
            'a quoted field is never closed (unclosed quote)',
          );
          break;
        }
        failure = rowLimitError(cells, { file: options.fileName, line }, String);
        if (failure) break;
        batch.push({ cells, recordNumber, line });
        line += 1 + countLineBreaks(cells, newline);
      }
      if (batch.length > 0) {
        queue.push(batch);
        text.pause();
      }
      if (failure) parser.abort();
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
    error(error: Error) {
      failure = isAppError(error) ? error : fileError('file_unreadable', { file: options.fileName }, error.message);
      notify();
    },
  });

  try {
    while (true) {
      const batch = queue.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      const waiting = new Promise<void>((resolve) => (wake = resolve));
      text.resume();
      await waiting;
    }
  } finally {
    if (!finished) {
      parserRef?.abort();
      text.destroy();
    }
  }
}

function countLineBreaks(cells: readonly string[], newline: string): number {
  let count = 0;
  const mark = newline === '\r' ? '\r' : '\n';
  for (const cell of cells) {
    let at = cell.indexOf(mark);
    while (at !== -1) {
      count++;
      at = cell.indexOf(mark, at + 1);
    }
  }
  return count;
}
