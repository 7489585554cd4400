import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, tempDir, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const exampleFlow = path.join(root, 'examples/solar-flow.json');

async function cli(url: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

// Windows-1252 bytes of Latin-1 text and the euro sign.
const cp1252 = (text: string) => Buffer.from([...text].map((char) => (char === '€' ? 0x80 : char.charCodeAt(0))));
const HEADER = 'First Name,Last Name,Email,Phone,State,Zip,Roof type\r\n';
// Enough rows that the byte that is not UTF-8 lies far past the 64 KB head the preview and detection read.
const filler = (count: number) =>
  Array.from({ length: count }, (_, i) => `Ann,Lee,ann${i}@example.com,512-555-0143,TX,78701,tile\r\n`).join('');

/**
 * An import reads each file once: the encoding comes from the head, and a byte that is not UTF-8 past it is
 * handled where the rows are read, the same on this thread and on the worker thread.
 */
describe('a byte that is not UTF-8 past the head of an imported file', () => {
  let t: TestStore;
  let dir: string;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    dir = tempDir();
    await cli(t.url, ['flows', 'apply', exampleFlow]);
  });
  afterAll(async () => {
    await t.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function importAndExport(
    name: string,
    bytes: Buffer,
    worker: 'on' | 'off',
  ): Promise<Map<string, Record<string, unknown>>> {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    const summary = JSON.parse(
      await cli(t.url, ['import', file, '--flow', 'solar', '--source', 'acme-media', '--json'], {
        LEADPORT_IMPORT_WORKER: worker,
      }),
    ) as { importId: string; failed: number };
    expect(summary.failed).toBe(0);
    const lines = (await cli(t.url, ['leads', 'export', '--flow', 'solar'])).trim().split('\n');
    const leads = new Map<string, Record<string, unknown>>();
    for (const line of lines) {
      const lead = JSON.parse(line) as { fields: Record<string, unknown> };
      leads.set(String(lead.fields.email), lead.fields);
    }
    return leads;
  }

  for (const worker of ['on', 'off'] as const) {
    it(`reads an ASCII file's late Windows-1252 row as Windows-1252 (worker ${worker})`, async () => {
      const bytes = Buffer.concat([
        Buffer.from(HEADER + filler(1500).replaceAll('@example', `@${worker}-1252`)),
        cp1252(`José,Müller,jose-${worker}@example.com,512-555-0199,TX,78701,tile\r\n`),
      ]);
      const leads = await importAndExport(`late-1252-${worker}.csv`, bytes, worker);
      expect(leads.get(`jose-${worker}@example.com`)).toMatchObject({ first_name: 'José', last_name: 'Müller' });
    });
    it(`keeps the UTF-8 of a file that mixes encodings (worker ${worker})`, async () => {
      const utf8 = Buffer.from(
        `${HEADER}Zoë,Łódź,zoe-${worker}@example.com,512-555-0101,TX,78701,tile\r\n${filler(1500).replaceAll('@example', `@${worker}-mixed`)}`,
      );
      const bytes = Buffer.concat([
        utf8,
        cp1252(`Crème,Núñez,creme-${worker}@example.com,512-555-0102,TX,78701,tile\r\n`),
      ]);
      const leads = await importAndExport(`mixed-${worker}.csv`, bytes, worker);
      expect(leads.get(`zoe-${worker}@example.com`)).toMatchObject({ first_name: 'Zoë', last_name: 'Łódź' });
      expect(leads.get(`creme-${worker}@example.com`)).toMatchObject({ first_name: 'Crème', last_name: 'Núñez' });
    });
  }
});
