import fs from 'node:fs';
import Database from 'better-sqlite3';
import Papa from 'papaparse';

/**
 * The bare limit the pipeline is compared with: the same streaming CSV parser (papaparse) and a prepared
 * INSERT into SQLite (WAL, synchronous=NORMAL) in 10,000-row transactions, with no mapping, validation or
 * duplicate check. Prints `{ rows, ms }`.
 */
async function bare(file: string, databaseFile: string): Promise<void> {
  const db = new Database(databaseFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table if not exists bare (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text)');
  const insert = db.prepare('insert into bare values (?, ?, ?, ?, ?, ?, ?)');
  const insertMany = db.transaction((rows: string[][]) => {
    for (const row of rows) insert.run(row[0], row[1], row[2], row[3], row[4], row[5], row[6]);
  });
  const started = performance.now();
  let rows = 0;
  let header = true;
  let pending: string[][] = [];
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(fs.createReadStream(file, { encoding: 'utf8' }), {
      skipEmptyLines: true,
      chunk(results) {
        for (const row of results.data) {
          if (header) {
            header = false;
            continue;
          }
          pending.push(row);
          if (pending.length >= 10_000) {
            insertMany(pending);
            rows += pending.length;
            pending = [];
          }
        }
      },
      complete: () => resolve(),
      error: (error: Error) => reject(error),
    });
  });
  insertMany(pending);
  rows += pending.length;
  const ms = performance.now() - started;
  db.close();
  process.stdout.write(`${JSON.stringify({ rows, ms })}\n`);
}

const [file, databaseFile] = process.argv.slice(2);
if (!file || !databaseFile) throw new Error('usage: bare-insert <file.csv> <database.db>');
await bare(file, databaseFile);
