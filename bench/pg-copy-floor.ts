import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import pg from 'pg';

const run = promisify(execFile);

/** The header of a CSV file: its first record. */
async function headerOf(file: string): Promise<string[]> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(64 * 1024) });
    const [header] = Papa.parse<string[]>(buffer.subarray(0, bytesRead).toString('utf8'), { preview: 1 }).data;
    if (!header) throw new Error(`${file} has no header row`);
    return header;
  } finally {
    await handle.close();
  }
}

/**
 * PostgreSQL's own limit for a CSV file: `psql`'s `\copy ... csv header` of the file into a table with one
 * text column per CSV column and no index, constraint or transformation, timed from psql's start to its
 * exit. The PostgreSQL import is compared with it in the same run, as the SQLite import is with the bare
 * loop. Returns the rows copied and the time taken.
 */
export async function psqlCopyFloor(file: string, databaseUrl: string): Promise<{ rows: number; ms: number }> {
  const columns = (await headerOf(file)).map((_, index) => `c${index + 1} text`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('drop table if exists psql_copy_floor');
    await client.query(`create table psql_copy_floor (${columns.join(', ')})`);
    // psql's \copy reads the file itself and streams it as COPY FROM STDIN, as the import's COPY does.
    const copy = `\\copy psql_copy_floor from '${file.replaceAll("'", "''")}' csv header`;
    const started = performance.now();
    await run('psql', ['--no-psqlrc', '--quiet', '--set', 'ON_ERROR_STOP=1', '--dbname', databaseUrl, '-c', copy]);
    const ms = performance.now() - started;
    const { rows } = await client.query<{ rows: string }>('select count(*) as rows from psql_copy_floor');
    await client.query('drop table psql_copy_floor');
    return { rows: Number(rows[0]?.rows ?? 0), ms };
  } finally {
    await client.end();
  }
}
