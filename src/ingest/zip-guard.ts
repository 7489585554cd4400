import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import { fileError } from '../errors.js';
import { READ_LIMITS } from './limits.js';
import { entriesOf, openZip } from './zip-parts.js';

/**
 * Limits that keep a crafted workbook from exhausting memory or time. The guard checks what the zip declares
 * before anything is parsed; the XLSX reader enforces the inflation limits again on the bytes it actually
 * inflates (WorkbookParts), since a zip can declare any size.
 */
export const WORKBOOK_LIMITS = Object.freeze({
  maxEntries: 10_000,
  /** Inflated bytes of the whole workbook: declared, for every part; actual, for the parts the reader reads. */
  maxInflatedBytes: 1024 * 1024 * 1024,
  /** Inflated/compressed ratio allowed past 10 MB inflated (real sheets stay well under 100). */
  maxRatio: 250,
  ratioFromBytes: 10 * 1024 * 1024,
  /** Excel's own row limit, and a sane number of columns for a lead file. */
  maxRows: 1_048_576,
  maxColumns: READ_LIMITS.maxColumns,
});

const HEAD_BYTES = 4096;

export interface WorkbookInspection {
  readonly entries: number;
  readonly inflatedBytes: number;
}

/**
 * Checks an XLSX (zip) file before it is parsed: entry count, declared inflated size and ratio (zip bombs),
 * DOCTYPE/ENTITY declarations in its XML (entity expansion), and absurd declared sheet dimensions. Throws a
 * file_malformed error naming the problem. Cheap (it inflates 4 KB of each XML part), and only as good as
 * the sizes the zip declares: the reader meters what it inflates.
 */
export async function inspectWorkbook(file: string, fileName: string): Promise<WorkbookInspection> {
  const zip = await openZip(file, fileName);
  const refuse = (why: string) => {
    zip.close();
    return fileError('file_malformed', { file: fileName }, why);
  };
  try {
    if (zip.entryCount > WORKBOOK_LIMITS.maxEntries) {
      throw refuse(
        `the workbook has ${zip.entryCount} parts; more than ${WORKBOOK_LIMITS.maxEntries} is not a spreadsheet (zip bomb?)`,
      );
    }
    let inflated = 0;
    for await (const entry of entriesOf(zip)) {
      inflated += entry.uncompressedSize;
      if (inflated > WORKBOOK_LIMITS.maxInflatedBytes) {
        throw refuse(
          `the workbook inflates to more than ${WORKBOOK_LIMITS.maxInflatedBytes / 1024 / 1024} MB (zip bomb?)`,
        );
      }
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > WORKBOOK_LIMITS.ratioFromBytes && ratio > WORKBOOK_LIMITS.maxRatio) {
        throw refuse(`${entry.fileName} inflates ${Math.round(ratio)} times its size (zip bomb?)`);
      }
      if (!/\.(xml|rels)$/i.test(entry.fileName) || entry.uncompressedSize === 0) continue;
      const head = await readHead(zip, entry, fileName);
      if (/<!(DOCTYPE|ENTITY)/i.test(head))
        throw refuse(`${entry.fileName} declares a DOCTYPE or ENTITY, which spreadsheets never need`);
      if (/^xl\/worksheets\/sheet\d+\.xml$/i.test(entry.fileName)) checkDimension(head, entry.fileName, refuse);
    }
    return { entries: zip.entryCount, inflatedBytes: inflated };
  } finally {
    zip.close();
  }
}

function checkDimension(head: string, part: string, refuse: (why: string) => Error): void {
  const ref = /<dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"/i.exec(head);
  if (!ref) return;
  const lastColumn = ref[3] ?? ref[1] ?? 'A';
  const lastRow = Number(ref[4] ?? ref[2] ?? 1);
  const columns = [...lastColumn.toUpperCase()].reduce((total, letter) => total * 26 + letter.charCodeAt(0) - 64, 0);
  if (lastRow > WORKBOOK_LIMITS.maxRows || columns > WORKBOOK_LIMITS.maxColumns) {
    throw refuse(
      `${part} claims ${lastRow} rows by ${columns} columns; the limit is ${WORKBOOK_LIMITS.maxRows} rows and ${WORKBOOK_LIMITS.maxColumns} columns`,
    );
  }
}

async function readHead(zip: yauzl.ZipFile, entry: yauzl.Entry, fileName: string): Promise<string> {
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw fileError(
      'file_malformed',
      { file: fileName },
      `${entry.fileName} cannot be read (${(error as Error).message})`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= HEAD_BYTES) break;
    }
  } catch (error) {
    throw fileError('file_malformed', { file: fileName }, `${entry.fileName} is damaged (${(error as Error).message})`);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8');
}
