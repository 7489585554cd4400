import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { openTabularFile } from './open-file.js';

const require = createRequire(import.meta.url);
const spectrum = path.dirname(require.resolve('csv-spectrum/package.json'));
const cases = fs.readdirSync(path.join(spectrum, 'csvs')).map((file) => path.basename(file, '.csv'));

async function readObjects(file: string): Promise<Record<string, string>[]> {
  const tabular = await openTabularFile(file, { maxBytes: 1024 * 1024 });
  const rows: Record<string, string>[] = [];
  for await (const batch of tabular.records()) {
    for (const record of batch)
      rows.push(Object.fromEntries(tabular.headers.map((header, index) => [header, record.cells[index] ?? ''])));
  }
  return rows;
}

describe('csv-spectrum', () => {
  it('has the cases', () => {
    expect(cases).toHaveLength(12);
  });
  for (const name of cases) {
    it(`reads ${name}.csv as csv-spectrum expects`, async () => {
      let expected = JSON.parse(fs.readFileSync(path.join(spectrum, 'json', `${name}.json`), 'utf8'));
      if (name === 'location_coordinates') {
        // Upstream fixture bug: this one JSON is a bare object and its phone number differs from its own CSV
        // (2095257564). Everything else in it is compared as published.
        expected = [{ ...expected, 'Contact Phone Number': '2095257564' }];
      }
      expect(await readObjects(path.join(spectrum, 'csvs', `${name}.csv`))).toEqual(expected);
    });
  }
});
