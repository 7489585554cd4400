import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { openTabularFile } from './open-file.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-zip-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>';

/** Writes a zip with the given entries; the tests craft hostile workbooks this way. */
async function makeZip(name: string, entries: Record<string, string | Buffer>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [entry, content] of Object.entries(entries))
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), entry);
  zip.end();
  const file = path.join(scratch, name);
  await pipeline(zip.outputStream, fs.createWriteStream(file));
  return file;
}

async function refusedWith(file: string): Promise<string> {
  try {
    await openTabularFile(file, { maxBytes: 50 * 1024 * 1024 });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the workbook to be refused');
}

describe('hostile workbooks are refused before they are parsed', () => {
  it('a zip bomb: one part that inflates a thousand times its size', async () => {
    const file = await makeZip('bomb.xlsx', {
      '[Content_Types].xml': CONTENT_TYPES,
      'xl/worksheets/sheet1.xml': Buffer.alloc(64 * 1024 * 1024, 0x20),
    });
    expect(fs.statSync(file).size).toBeLessThan(1024 * 1024);
    expect(await refusedWith(file)).toMatch(
      /^bomb\.xlsx: xl\/worksheets\/sheet1\.xml inflates \d+ times its size \(zip bomb\?\)$/,
    );
  });
  it('a workbook with absurdly many parts', async () => {
    const entries: Record<string, string> = { '[Content_Types].xml': CONTENT_TYPES };
    for (let i = 0; i < 10_001; i++) entries[`xl/media/x${i}.bin`] = '';
    expect(await refusedWith(await makeZip('parts.xlsx', entries))).toBe(
      'parts.xlsx: the workbook has 10002 parts; more than 10000 is not a spreadsheet (zip bomb?)',
    );
  });
  it('XML with a DOCTYPE / ENTITY declaration (entity expansion)', async () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><worksheet>&lol2;</worksheet>';
    const file = await makeZip('entities.xlsx', {
      '[Content_Types].xml': CONTENT_TYPES,
      'xl/worksheets/sheet1.xml': lol,
    });
    expect(await refusedWith(file)).toBe(
      'entities.xlsx: xl/worksheets/sheet1.xml declares a DOCTYPE or ENTITY, which spreadsheets never need',
    );
  });
  it('a sheet that claims absurd dimensions', async () => {
    const sheet =
      '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData/></worksheet>';
    const file = await makeZip('huge.xlsx', {
      '[Content_Types].xml': CONTENT_TYPES,
      'xl/worksheets/sheet1.xml': sheet,
    });
    expect(await refusedWith(file)).toBe(
      'huge.xlsx: xl/worksheets/sheet1.xml claims 1048576 rows by 16384 columns; the limit is 1048576 rows and 2000 columns',
    );
  });
});
