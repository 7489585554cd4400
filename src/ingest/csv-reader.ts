import type { Readable } from 'node:stream';
import Papa from 'papaparse';
import { fileError } from '../errors.js';
import type { RawRecord } from './tabular.js';

export interface CsvReadOptions {
  /** A decoded text stream (the caller handles bytes, encodings and the BOM). */
  readonly text: Readable;
  readonly fileName: string;
  /** A single-character delimiter; papaparse guesses when omitted. */
  readonly delimiter?: string;
  /** Lines to skip before the first record (Excel's `sep=;` line). */
  readonly skipLines?: number;
}

/**
 * Streams a delimited text file as batches of records with papaparse. Backpressure is applied to the text
 * stream, not to papaparse (its pause() loses the completion callback at the end of a stream): while a
 * parsed batch waits for the consumer, no more text is read, so memory does not grow with the file. Each
 * record carries its record number and the physical line it starts on (quoted fields may span lines). An
 * unterminated quote is a file-level error naming the line and column where the quote opened.
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

  Papa.parse<string[]>(options.text, {
    delimiter: options.delimiter ?? '',
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
          failure = fileError('file_malformed', { file: options.fileName, line, column: `${cells.length}` }, 'a quoted field is never closed (unclosed quote)');
          break;
        }
        batch.push({ cells, recordNumber, line });
        line += 1 + countLineBreaks(cells, newline);
      }
      if (batch.length > 0) {
        queue.push(batch);
        options.text.pause();
      }
      if (failure) parser.abort();
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
    error(error: Error) {
      failure = fileError('file_unreadable', { file: options.fileName }, error.message);
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
      options.text.resume();
      await waiting;
    }
  } finally {
    if (!finished) {
      parserRef?.abort();
      options.text.destroy();
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
