import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/stores.js';

const run = promisify(execFile);
const openFile = path.resolve(import.meta.dirname, '../../dist/src/ingest/open-file.js');

// Reads every record of a file in a child process whose heap is far smaller than the file, and reports
// the rows read and the peak RSS. A reader that buffered the file would run out of heap and crash.
const READER = `
import { openTabularFile } from ${JSON.stringify(openFile)};
const file = await openTabularFile(process.argv[1], { maxBytes: 1e9 });
let rows = 0, peak = 0;
for await (const batch of file.records()) { rows += batch.length; peak = Math.max(peak, process.memoryUsage().rss); }
console.log(JSON.stringify({ rows, peakMb: Math.round(peak / 1048576) }));
`;

async function readInSmallHeap(file: string, heapMb: number): Promise<{ rows: number; peakMb: number }> {
  const { stdout } = await run(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, '--input-type=module', '-e', READER, file],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as { rows: number; peakMb: number };
}

function row(i: number): string[] {
  return [
    `Lead${i}`,
    `Person${i}`,
    `lead${i}@example.com`,
    `(512) 555-${String(i % 10000).padStart(4, '0')}`,
    'TX',
    '78701',
    `note ${i}, with "quotes", and commas`,
  ];
}

describe('readers stream: memory does not grow with the file', () => {
  let dir: string;
  let csv: string;
  let xlsx: string;
  const csvRows = 400_000;
  const xlsxRows = 200_000;

  beforeAll(async () => {
    dir = tempDir();
    csv = path.join(dir, 'large.csv');
    const out = fs.createWriteStream(csv);
    out.write('First Name,Last Name,Email,Phone,State,Zip,Notes\n');
    for (let i = 0; i < csvRows; i++) {
      const cells = row(i).map((cell) => (cell.includes(',') ? `"${cell.replace(/"/g, '""')}"` : cell));
      if (!out.write(`${cells.join(',')}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(resolve));

    xlsx = path.join(dir, 'large.xlsx');
    // Shared strings, as Excel writes every text cell: the table must be held while the sheet is read.
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsx, useSharedStrings: true });
    const sheet = writer.addWorksheet('Leads');
    sheet.addRow(['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Notes']).commit();
    for (let i = 0; i < xlsxRows; i++) sheet.addRow(row(i)).commit();
    sheet.commit();
    await writer.commit();
  }, 120_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a CSV several times larger than its heap', async () => {
    const size = fs.statSync(csv).size / 1048576;
    expect(size).toBeGreaterThan(40);
    const result = await readInSmallHeap(csv, 24);
    expect(result.rows).toBe(csvRows);
    console.log(`streaming CSV: ${size.toFixed(0)} MB, ${csvRows} rows, 24 MB heap, peak RSS ${result.peakMb} MB`);
  }, 120_000);

  it('reads a 200k-row XLSX sheet of shared strings in a 48 MB heap (exceljs caches them in the heap)', async () => {
    const result = await readInSmallHeap(xlsx, 48);
    expect(result.rows).toBe(xlsxRows);
    console.log(`streaming XLSX: ${xlsxRows} rows of shared strings, 48 MB heap, peak RSS ${result.peakMb} MB`);
  }, 120_000);
});
