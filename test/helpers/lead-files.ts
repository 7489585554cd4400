import fs from 'node:fs';
import path from 'node:path';

/** The header of lead files for the example solar flow (examples/solar-flow.json). */
export const SOLAR_HEADER = 'First Name,Last Name,Email,Phone,State,Zip,Roof type';

/**
 * Writes a CSV of `rows` solar leads: every 10th has a bad e-mail, every 25th repeats the row before's
 * e-mail. Each file's e-mails are its own, so no file's rows are duplicates of another file's leads.
 */
export function writeSolarLeads(dir: string, rows: number): string {
  const tag = Math.random().toString(36).slice(2, 8);
  const lines = [SOLAR_HEADER];
  for (let index = 1; index <= rows; index++) {
    const email =
      index % 10 === 0
        ? `bad-${index}@example`
        : index % 25 === 0
          ? `lead${index - 1}.${tag}@example.com`
          : `lead${index}.${tag}@example.com`;
    lines.push(`Ann${index},Lee,${email},512-555-${String(index % 10000).padStart(4, '0')},TX,78701,tile`);
  }
  const file = path.join(dir, `leads-${tag}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** What a correct import of writeSolarLeads(rows) stores into an empty flow. */
export function solarLeadCounts(rows: number): { total: number; created: number; failed: number } {
  let failed = 0;
  for (let index = 1; index <= rows; index++) if (index % 10 === 0 || index % 25 === 0) failed++;
  return { total: rows, created: rows - failed, failed };
}
