import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import Papa from 'papaparse';
import { firstInvalidUtf8 } from './decode.js';
import type { FileFormat } from './tabular.js';

/** How many bytes are sniffed to detect format, encoding and delimiter. */
export const SNIFF_BYTES = 64 * 1024;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** Reads the first bytes of a file. */
export function sniff(file: string, bytes = SNIFF_BYTES): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = fs.readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

export type FormatGuess = { format: FileFormat } | { format: null; why: string };

/**
 * The format from the bytes, whatever the extension says: XLSX is a zip, XLS an OLE2 compound file,
 * anything else must be text. NUL bytes in text that is not UTF-16 mean binary data.
 */
export function detectFormat(head: Buffer): FormatGuess {
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return { format: 'xlsx' };
  if (head.subarray(0, 8).equals(OLE2_MAGIC)) return { format: 'xls' };
  if (bomEncoding(head)?.startsWith('utf-16') || utf16WithoutBom(head)) return { format: 'csv' };
  const nul = head.indexOf(0);
  if (nul !== -1)
    return { format: null, why: `it contains binary data (a zero byte at offset ${nul}), not text or a spreadsheet` };
  return { format: 'csv' };
}

/** The encoding a byte-order mark announces, if any. */
export function bomEncoding(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

// UTF-16 text of mostly ASCII characters has a zero in every other byte.
function utf16WithoutBom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const sample = Math.min(head.length - (head.length % 2), 4096);
  if (sample < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let index = 0; index < sample; index += 2) {
    if (head[index] === 0) evenZeros++;
    if (head[index + 1] === 0) oddZeros++;
  }
  const pairs = sample / 2;
  if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.1) return 'utf-16le';
  if (evenZeros > pairs * 0.6 && oddZeros < pairs * 0.1) return 'utf-16be';
  return undefined;
}

export interface EncodingGuess {
  /** A WHATWG encoding label for TextDecoder. */
  readonly encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  readonly bom: boolean;
  readonly evidence: string;
  /**
   * UTF-8 judged from the head alone: the file is read as strict UTF-8 that falls back to Windows-1252 at
   * the first invalid byte (DecodeStream's `fallback`).
   */
  readonly fallback: boolean;
}

/**
 * Detects a text file's encoding from its head (the sniffed first bytes; `wholeFile` when they are all of
 * it): a BOM first, then UTF-16 by its zero bytes, then strict UTF-8, and Windows-1252 (Excel's default
 * "CSV" on Windows) when UTF-8 does not hold. Statistical detectors mislabel short Windows-1252 samples as
 * other single-byte code pages; this order does not. The rest of the file is not read here: a UTF-8 head
 * is read on as UTF-8 that falls back to Windows-1252 at the first invalid byte, so each file is read once.
 */
export function detectEncoding(head: Buffer, wholeFile: boolean): EncodingGuess {
  const bom = bomEncoding(head);
  if (bom) return { encoding: bom, bom: true, evidence: `byte-order mark for ${bom.toUpperCase()}`, fallback: false };
  const utf16 = utf16WithoutBom(head);
  if (utf16)
    return {
      encoding: utf16,
      bom: false,
      evidence: 'zero bytes between ASCII characters (UTF-16 without a BOM)',
      fallback: false,
    };
  const invalidAt = firstInvalidUtf8(head);
  if (invalidAt === -1 && wholeFile && isUtf8(head))
    return { encoding: 'utf-8', bom: false, evidence: 'every byte sequence is valid UTF-8', fallback: true };
  if (invalidAt === -1 && !wholeFile) {
    const evidence = `the first ${formatKb(head.length)} are valid UTF-8 (should a later byte not be, the file is read on as Windows-1252 from it)`;
    return { encoding: 'utf-8', bom: false, evidence, fallback: true };
  }
  const at = invalidAt === -1 ? head.length - 1 : invalidAt;
  return {
    encoding: 'windows-1252',
    bom: false,
    evidence: `not valid UTF-8 (at byte ${at}); read as Windows-1252`,
    fallback: false,
  };
}

function formatKb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

/** Decodes a sniffed head of a file for inspection, dropping a BOM and a character cut off at the end. */
export function decodeHead(head: Buffer, encoding: string): string {
  return new TextDecoder(encoding).decode(head, { stream: true });
}

const SEP_LINE = /^sep=(.)\r?\n/i;

/** Excel's `sep=;` first line: the delimiter it names, if present. */
export function excelSepLine(text: string): string | undefined {
  return SEP_LINE.exec(text)?.[1];
}

export interface DelimiterGuess {
  readonly delimiter: string;
  readonly evidence: string;
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** Names a delimiter for people ("tab", "semicolon"). */
export function delimiterName(delimiter: string): string {
  return DELIMITER_NAMES[delimiter] ?? `"${delimiter}"`;
}

/**
 * Picks the delimiter among comma, semicolon, tab and pipe that splits the sampled lines into the most
 * consistent number of fields (more than one); comma when none does.
 */
export function detectDelimiter(text: string): DelimiterGuess {
  const lines = text.split(/\r\n|\n|\r/);
  // The last line of a sample may be cut off; leave it out.
  const sample = (lines.length > 2 ? lines.slice(0, -1) : lines).slice(0, 50).join('\n');
  let best: { delimiter: string; score: number; fields: number } | undefined;
  for (const delimiter of [',', ';', '\t', '|']) {
    const parsed = Papa.parse<string[]>(sample, { delimiter, skipEmptyLines: true, preview: 50 });
    const counts = parsed.data.map((row) => row.length);
    if (counts.length === 0) continue;
    const fields = mode(counts);
    if (fields < 2) continue;
    const consistent = counts.filter((count) => count === fields).length / counts.length;
    const score = consistent * 1000 + fields;
    if (!best || score > best.score) best = { delimiter, score, fields };
  }
  if (!best) return { delimiter: ',', evidence: 'no delimiter splits the lines; read as one column' };
  const share = Math.round((best.score - best.fields) / 10);
  return {
    delimiter: best.delimiter,
    evidence: `${delimiterName(best.delimiter)} gives ${best.fields} columns on ${share}% of the sampled lines`,
  };
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  let best = values[0] ?? 0;
  for (const value of values) {
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    if (count > (counts.get(best) ?? 0)) best = value;
  }
  return best;
}

const MOJIBAKE = /Ã[\u0080-\u00BF]|â€[\u0080-\u00BF\u0152-\u2122]|Â[\u00A0-\u00BF]/;

/** Finds a value that was UTF-8 read as Windows-1252 and saved again ("JosÃ©"), for a preview warning. */
export function findMojibake(rows: readonly (readonly string[])[]): string | undefined {
  for (const cells of rows) for (const cell of cells) if (MOJIBAKE.test(cell)) return cell;
  return undefined;
}
