// Regenerates the example workbooks the README's tour uses: `node examples/make-examples.mjs`.
// leads.xlsx is written by exceljs and leads.xls (Excel 97-2003, BIFF8) by SheetJS, the libraries Leadport
// reads them with; both are committed, so the README's commands work straight after `npm install`.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import * as XLSX from '@e965/xlsx';

const dir = path.dirname(new URL(import.meta.url).pathname);

// The columns of examples/solar-leads.csv plus a Score column that maps to no field of the solar flow (the
// README's `--map "Score="` skips it). ZIPs and phones are numbers, as a spreadsheet usually holds them;
// one lead is outside the flow's states, so the failed-records report has a row.
const header = ['First Name', 'Last Name', 'Email', 'Phone', 'State', 'Zip', 'Roof type', 'Score'];
const rows = [
  ['Olivia', 'Brown', 'olivia.brown@example.com', 5125550161, 'TX', 78702, 'shingle', 87],
  ['Noah', 'Davis', 'noah.davis@example.com', '(602) 555-0162', 'Arizona', 85003, 'tile', 64],
  ['Emma', 'Wilson', 'emma.wilson@example.com', '415-555-0163', 'CA', 94110, 'metal', 92],
  ['Liam', 'Moore', 'liam.moore@example.com', '+1 305 555 0164', 'FL', 33101, 'shingle', 45],
  ['Ava', 'Taylor', 'ava.taylor@example.com', 2145550165, 'tx', 75201, 'Tile', 71],
];
const readMe = [
  ['Leads exported for the Leadport README tour.'],
  ['The leads are on the sheet "Leads"; this sheet is only a note, as exports often have.'],
];

async function writeXlsx() {
  const workbook = new ExcelJS.Workbook();
  workbook.created = workbook.modified = new Date(Date.UTC(2024, 0, 15));
  const leads = workbook.addWorksheet('Leads');
  leads.addRow(header);
  for (const row of rows) leads.addRow(row);
  leads.getColumn(6).numFmt = '00000';
  const notes = workbook.addWorksheet('Read me');
  for (const row of readMe) notes.addRow(row);
  await workbook.xlsx.writeFile(path.join(dir, 'leads.xlsx'));
}

function writeXls() {
  const workbook = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet([header, ...rows]), 'Leads');
  XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet(readMe), 'Read me');
  fs.writeFileSync(path.join(dir, 'leads.xls'), XLSX.write(workbook, { bookType: 'biff8', type: 'buffer' }));
}

await writeXlsx();
writeXls();
console.log(`examples written to ${dir}`);
