import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import zlib from 'node:zlib';
import * as XLSX from '@e965/xlsx';
import yazl from 'yazl';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { openTabularFile } from '../../src/ingest/open-file.js';
import { readXlsRecords } from '../../src/ingest/xls-reader.js';
import { readXlsxRecords } from '../../src/ingest/xlsx-reader.js';
import { WORKBOOK_LIMITS } from '../../src/ingest/zip-guard.js';

// Hostile files are generated here at run time; TMPDIR points to a folder of its own during each test, so
// anything a reader leaves behind (exceljs's parked sheets, shared-strings spill files) is seen.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-limits-'));
const originalTmp = process.env.TMPDIR;
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(scratch, 'tmpdir-'));
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const MB = 1024 * 1024;
const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ${MAIN}><sheetData>`;
const SHEET_TAIL = '</sheetData></worksheet>';

/** The parts of a one-sheet workbook ("Leads") but its sheet. */
const WORKBOOK_PARTS: Record<string, string> = {
  '[Content_Types].xml':
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>',
  'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><workbook ${MAIN} ${REL}><sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  'xl/_rels/workbook.xml.rels':
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
};

const inlineCell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** Writes a workbook with yazl (sizes declared truthfully). */
async function makeWorkbook(name: string, sheet: string | Buffer): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [part, content] of Object.entries(WORKBOOK_PARTS)) zip.addBuffer(Buffer.from(content), part);
  zip.addBuffer(Buffer.isBuffer(sheet) ? sheet : Buffer.from(sheet), 'xl/worksheets/sheet1.xml');
  zip.end();
  const file = path.join(scratch, name);
  const out = fs.createWriteStream(file);
  zip.outputStream.pipe(out);
  await once(out, 'close');
  return file;
}

interface ZipPart {
  readonly name: string;
  /** Raw deflate data, written in pieces so a bomb is never held whole. */
  readonly deflated: readonly Buffer[];
  readonly crc: number;
  /** The uncompressed size written in the local header and the central directory, true or not. */
  readonly declaredSize: number;
}

const deflated = (content: string): ZipPart['deflated'] => [zlib.deflateRawSync(Buffer.from(content), { level: 9 })];

/** Writes a zip by hand, so an entry can declare a size other than its own. */
async function writeZip(file: string, parts: readonly ZipPart[]): Promise<void> {
  const out = fs.createWriteStream(file);
  const central: Buffer[] = [];
  let offset = 0;
  const write = async (buffer: Buffer) => {
    offset += buffer.length;
    if (!out.write(buffer)) await once(out, 'drain');
  };
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const compressed = part.deflated.reduce((sum, piece) => sum + piece.length, 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(part.crc, 14);
    local.writeUInt32LE(compressed, 18);
    local.writeUInt32LE(part.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(part.crc, 16);
    entry.writeUInt32LE(compressed, 20);
    entry.writeUInt32LE(part.declaredSize, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    await write(Buffer.concat([local, name]));
    for (const piece of part.deflated) await write(piece);
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  out.end(Buffer.concat([directory, end]));
  await once(out, 'close');
}

/**
 * A sheet of `megabytes` MB of rows, deflated a megabyte at a time: each block is compressed on its own and
 * ends with a full flush, so the same few kilobytes are written again and again and nothing large is
 * held or compressed.
 */
function bombSheet(megabytes: number): Omit<ZipPart, 'declaredSize'> {
  const row = `<row r="2">${inlineCell('A2', 'ann@example.com')}</row>`;
  const block = Buffer.from(row.repeat(Math.floor(MB / row.length)));
  const flushed = { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH };
  const head = `${SHEET_HEAD}<row r="1">${inlineCell('A1', 'Email')}</row>`;
  const blockDeflated = zlib.deflateRawSync(block, flushed);
  let crc = zlib.crc32(head);
  for (let i = 0; i < megabytes; i++) crc = zlib.crc32(block, crc);
  crc = zlib.crc32(SHEET_TAIL, crc);
  const pieces = [
    zlib.deflateRawSync(head, flushed),
    ...Array<Buffer>(megabytes).fill(blockDeflated),
    zlib.deflateRawSync(SHEET_TAIL),
  ];
  return { name: 'xl/worksheets/sheet1.xml', deflated: pieces, crc };
}

const workbookParts = (): ZipPart[] =>
  Object.entries(WORKBOOK_PARTS).map(([name, content]) => ({
    name,
    deflated: deflated(content),
    crc: zlib.crc32(content),
    declaredSize: Buffer.byteLength(content),
  }));

/** Reads a whole file as an import does; the error that stops it. */
async function refusal(file: string): Promise<AppError> {
  try {
    const tabular = await openTabularFile(file, { maxBytes: 50 * MB });
    for await (const batch of tabular.records()) void batch;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('file_malformed');
    return error as AppError;
  }
  throw new Error('expected the file to be refused');
}

async function readAll(file: string): Promise<string[][]> {
  const tabular = await openTabularFile(file, { maxBytes: 50 * MB });
  const rows = [[...tabular.headers]];
  for await (const batch of tabular.records()) for (const record of batch) rows.push(record.cells);
  return rows;
}

describe('zip bombs are stopped by the bytes actually inflated', () => {
  it('refuses a sheet that inflates to 1.14 GB behind a declared size of 10 MB - 1, within 10 MB, and leaves nothing in TMPDIR', async () => {
    const file = path.join(scratch, 'bomb.xlsx');
    await writeZip(file, [...workbookParts(), { ...bombSheet(1090), declaredSize: 10 * MB - 1 }]);
    expect(fs.statSync(file).size).toBeLessThan(5 * MB);
    const started = Date.now();
    expect((await refusal(file)).message).toBe(
      'bomb.xlsx: xl/worksheets/sheet1.xml inflates past 10.0 MB, the size its zip entry declares (zip bomb?)',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('stops at the workbook limit and at the ratio limit on the bytes it inflates, whatever the guard saw', async () => {
    // Read without the guard (it refuses these by their declared sizes): the reader meters on its own.
    const read = async (file: string, limits = WORKBOOK_LIMITS) => {
      for await (const batch of readXlsxRecords({ file, fileName: path.basename(file), limits })) void batch;
    };
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `<row r="${i + 1}">${inlineCell(`A${i + 1}`, `lead${i}@example.com`)}</row>`,
    ).join('');
    const large = await makeWorkbook('large.xlsx', `${SHEET_HEAD}${rows}${SHEET_TAIL}`);
    await expect(read(large, { ...WORKBOOK_LIMITS, maxInflatedBytes: MB })).rejects.toThrow(
      'large.xlsx: the workbook inflates past 1.0 MB at xl/worksheets/sheet1.xml (zip bomb?)',
    );
    await expect(read(large)).resolves.toBeUndefined();
    const spaces = await makeWorkbook(
      'spaces.xlsx',
      Buffer.concat([Buffer.from(SHEET_HEAD), Buffer.alloc(64 * MB, 0x20), Buffer.from(SHEET_TAIL)]),
    );
    await expect(read(spaces)).rejects.toThrow(
      /^spaces\.xlsx: xl\/worksheets\/sheet1\.xml inflates \d+ times its size \(zip bomb\?\)$/,
    );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('rows wider or longer than the limits are refused while reading', () => {
  it('refuses an XLSX without <dimension> whose rows hold a cell at XFD, before expanding them', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `<row r="${i + 1}">${inlineCell(`A${i + 1}`, 'x')}${inlineCell(`XFD${i + 1}`, 'far')}</row>`,
    ).join('');
    const file = await makeWorkbook('wide.xlsx', `${SHEET_HEAD}${rows}${SHEET_TAIL}`);
    expect(fs.statSync(file).size).toBeLessThan(100 * 1024);
    expect((await refusal(file)).message).toBe(
      'wide.xlsx, row 1, column XFD: the row has 16384 columns; the limit is 2000',
    );
  });

  it('reads an XLSX row of exactly 2000 columns', async () => {
    const file = await makeWorkbook(
      'edge.xlsx',
      `${SHEET_HEAD}<row r="1">${inlineCell('A1', 'Email')}${inlineCell('BXX1', 'last')}</row>${SHEET_TAIL}`,
    );
    expect((await readAll(file))[0]).toHaveLength(2000);
  });

  it('refuses a 21 MB CSV with 200,000 columns, naming the line', async () => {
    const file = path.join(scratch, 'leads.csv');
    const out = fs.createWriteStream(file);
    out.write('Email,Name\n');
    const wide = `${'1,'.repeat(199_999)}1\n`;
    for (let i = 0; i < 55; i++) if (!out.write(wide)) await once(out, 'drain');
    out.end();
    await once(out, 'close');
    expect(fs.statSync(file).size).toBeGreaterThan(20 * MB);
    expect((await refusal(file)).message).toBe('leads.csv, line 2: the row has 200000 columns; the limit is 2000');
  });

  it('refuses a CSV cell over 1 MB, a row over 8 MB and a quote never closed, as soon as they cross the limit', async () => {
    const cell = path.join(scratch, 'cell.tsv');
    fs.writeFileSync(cell, `Email\tNotes\na@x.com\t${'x'.repeat(2 * MB)}\n`);
    expect((await refusal(cell)).message).toBe(
      'cell.tsv, line 2, column 2: a cell holds more than 1048576 characters; the limit is 1048576',
    );
    const row = path.join(scratch, 'row.csv');
    fs.writeFileSync(row, `Email,Notes\nb@x.com,ok\na@x.com${`,${'x'.repeat(MB - 1)}`.repeat(9)}\n`);
    expect((await refusal(row)).message).toBe(
      'row.csv, line 3: the row holds more than 8388608 characters; the limit is 8388608',
    );
    const quote = path.join(scratch, 'quote.csv');
    fs.writeFileSync(quote, `Email,Notes\na@x.com,"never closed\n${'b@x.com,short note\n'.repeat(100_000)}`);
    expect((await refusal(quote)).message).toBe(
      'quote.csv, line 2, column 2: a cell holds more than 1048576 characters; the limit is 1048576 (a quote that is never closed?)',
    );
  });

  it('reads a CSV row of exactly 2000 columns, and counts only delimiters outside quotes', async () => {
    const file = path.join(scratch, 'edge.csv');
    fs.writeFileSync(file, `${Array.from({ length: 2000 }, (_, i) => `h${i}`).join(',')}\n${'1,'.repeat(1999)}1\n`);
    expect((await readAll(file))[1]).toHaveLength(2000);
    const quoted = path.join(scratch, 'quoted.csv');
    fs.writeFileSync(quoted, `Email,Notes\r\na@x.com,"${',\r\n""'.repeat(3000)}"\r\nb@x.com,${'x,'.repeat(2000)}\r\n`);
    expect((await refusal(quoted)).message).toBe('quoted.csv, line 3003: the row has 2002 columns; the limit is 2000');
  });

  describe('XLS', () => {
    /** A BIFF8 workbook whose second row has a number in column `column` (1-based), past what BIFF8 writers allow. */
    function wideXls(name: string, column: number, dimensionOnly: boolean): string {
      const sheet = XLSX.utils.aoa_to_sheet([
        ['Email', 'Name'],
        ['a@x.com', 'Ann'],
      ]);
      if (!dimensionOnly) sheet.C2 = { t: 'n', v: 7 };
      sheet['!ref'] = 'A1:C2';
      const book = XLSX.utils.book_new();
      XLSX.utils.book_append_sheet(book, sheet, 'Leads');
      const bytes = XLSX.write(book, { bookType: 'biff8', type: 'buffer' }) as Buffer;
      // Patch the NUMBER record's column and the DIMENSIONS record's last column in place.
      for (let at = 0; at + 8 < bytes.length; at++) {
        const type = bytes.readUInt16LE(at);
        const size = bytes.readUInt16LE(at + 2);
        if (type === 0x0203 && size === 14 && bytes.readUInt16LE(at + 4) === 1 && bytes.readUInt16LE(at + 6) === 2)
          bytes.writeUInt16LE(column - 1, at + 6);
        if (type === 0x0200 && size === 14) bytes.writeUInt16LE(column, at + 14);
      }
      const file = path.join(scratch, name);
      fs.writeFileSync(file, bytes);
      return file;
    }

    it('refuses a row with a cell past the column limit, naming the row and column', async () => {
      expect((await refusal(wideXls('wide.xls', 5000, false))).message).toBe(
        'wide.xls, row 2, column GJH: the row has 5000 columns; the limit is 2000',
      );
    });

    it('reads the cells a sheet holds, not the 5000 columns its DIMENSIONS record claims', async () => {
      const rows: string[][] = [];
      for await (const batch of readXlsRecords({ file: wideXls('claims.xls', 5000, true), fileName: 'claims.xls' }))
        rows.push(...batch.map((record) => record.cells));
      expect(rows).toEqual([
        ['Email', 'Name'],
        ['a@x.com', 'Ann'],
      ]);
    });
  });
});
