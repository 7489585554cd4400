import fs from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { seededRandom, type Random } from './random.js';
import { COMMON_FIRST } from './names.js';
import { realisticLeadRow } from './realistic-leads.js';

/** The columns of a generated lead file, as a vendor would export them. */
export const BENCH_HEADERS = ['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Notes'] as const;

const FIRST = [...COMMON_FIRST, 'Liam', 'Mia'];
const LAST = [
  'Garcia',
  'Smith',
  'Tanaka',
  'Nguyen',
  'Johnson',
  'Wei',
  'Rossi',
  "O'Brien",
  'Müller',
  'Núñez',
  'Khan',
  'Ivanova',
  'Mensah',
  'Patel',
  'Silva',
  'Brown',
  'Davis',
  'Lee',
  'Martin',
  'Clark',
];
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.com', 'acme.io', 'mail.co'];
// Mostly states the bench flow accepts, some it refuses.
const STATES = ['TX', 'CA', 'AZ', 'Texas', 'California', 'az', 'TX', 'CA', 'NY', 'FL'];
const AREA = ['512', '737', '213', '415', '602', '480', '214', '713', '305', '212'];
const NOTES = [
  'Call after 5pm',
  'Interested in solar, wants a quote',
  'Said "maybe" on the phone',
  'Roof: tile, south-facing\nSecond line of notes',
  '',
  'Referred by a neighbour, prefers email',
  '',
];

/**
 * Which values a generated file holds. `realistic` (realistic-leads.ts) draws from the wide distributions of
 * files made elsewhere; `friendly` is the benchmark's first generator, kept byte for byte so that figures
 * can be compared with earlier runs: ten valid area codes, twenty names, six domains, ten state spellings.
 */
export type LeadData = 'realistic' | 'friendly';

/**
 * Row i of a friendly lead file: names, emails (5% invalid, 10% repeating an earlier row's email), phones
 * in mixed formats with ten area codes, states by code and name, ZIPs (some missing their leading zero),
 * notes with commas, quotes and line breaks.
 */
function friendlyLeadRow(i: number, random: Random): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const first = pick(FIRST);
  const last = pick(LAST);
  const roll = random();
  let email: string;
  if (roll < 0.1 && i > 10) {
    const earlier = Math.floor(random() * i);
    email = `lead${earlier}@${DOMAINS[earlier % DOMAINS.length]}`;
  } else if (roll < 0.15) {
    email = `lead${i}@broken`;
  } else {
    email = `lead${i}@${DOMAINS[i % DOMAINS.length]}`;
  }
  const area = pick(AREA);
  const line = String(1000 + Math.floor(random() * 9000));
  const exchange = String(200 + Math.floor(random() * 700));
  const phoneFormats = [
    `(${area}) ${exchange}-${line}`,
    `${area}.${exchange}.${line}`,
    `+1 ${area} ${exchange} ${line}`,
    `${area}${exchange}${line}`,
    `1-${area}-${exchange}-${line}`,
  ];
  const zip =
    random() < 0.05 ? String(1000 + Math.floor(random() * 8999)) : String(10000 + Math.floor(random() * 89999));
  return [first, last, email, pick(phoneFormats), pick(STATES), zip, pick(NOTES)];
}

function csvCell(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function rowMaker(data: LeadData, seed: number): (i: number) => string[] {
  const random = seededRandom(seed);
  return data === 'friendly' ? (i) => friendlyLeadRow(i, random) : (i) => realisticLeadRow(i, random, seed);
}

/** Writes a deterministic lead CSV of `rows` rows (plus a header). */
export async function writeLeadCsv(file: string, rows: number, data: LeadData, seed = 42): Promise<void> {
  const row = rowMaker(data, seed);
  const out = fs.createWriteStream(file);
  out.write(`${BENCH_HEADERS.join(',')}\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${row(i).map(csvCell).join(',')}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

/** Writes the same leads as an XLSX workbook with exceljs's streaming writer, text in shared strings as Excel does. */
export async function writeLeadXlsx(file: string, rows: number, data: LeadData, seed = 42): Promise<void> {
  const row = rowMaker(data, seed);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('Leads');
  sheet.addRow([...BENCH_HEADERS]).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(row(i)).commit();
  sheet.commit();
  await workbook.commit();
}

/** The flow the benchmark imports into: criteria on email and state, duplicates rejected by email. */
export const BENCH_FLOW = {
  id: 'bench',
  name: 'Benchmark',
  fields: [
    { name: 'first_name', required: true },
    { name: 'last_name' },
    { name: 'email', required: true },
    { name: 'phone_1' },
    { name: 'state' },
    { name: 'postal_code' },
    { name: 'comments' },
  ],
  acceptance: {
    all: [
      { field: 'email', op: 'format is valid' },
      { field: 'state', op: 'is included in', value: ['TX', 'CA', 'AZ'] },
    ],
  },
  duplicates: { keys: ['email'], action: 'reject' },
  sources: [{ id: 'bench-source' }],
};
