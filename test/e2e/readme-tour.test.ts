import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');

/** The shell commands of the README's "A short tour" section, in order: every fenced sh block, comments left out. */
function tourCommands(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## A short tour\n');
  expect(start, 'the README has a "## A short tour" section').toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)) {
    const lines = (block[1] ?? '').replace(/\\\n/g, ' ').split('\n');
    commands.push(...lines.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
  }
  return commands;
}

for (const dialect of DIALECTS) {
  describe(`the README's tour on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      // The commands name examples/ relatively, as a reader in the repository runs them, and write failed.csv
      // into the current folder: they run in a fresh folder that links to the examples.
      dir = tempDir();
      fs.symlinkSync(path.join(root, 'examples'), path.join(dir, 'examples'));
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('runs every command of the tour as written, each exiting 0', async () => {
      const commands = tourCommands();
      expect(commands.some((command) => command.includes('examples/leads.xlsx'))).toBe(true);
      expect(commands.some((command) => command.includes('examples/leads.xls '))).toBe(true);
      let importId: string | undefined;
      for (const written of commands) {
        expect(written, 'a tour command runs leadport').toMatch(/^npx leadport /);
        if (written.includes('<importId>')) expect(importId, `an import --json before "${written}"`).toBeDefined();
        const command = written.replaceAll('<importId>', importId ?? '');
        expect(command, 'no placeholder is left').not.toMatch(/<[A-Za-z]+>/);
        // `npx leadport` runs this package's bin; calling it directly spares npm's start-up and its shared
        // cache, which concurrent first runs race on.
        const shell = command.replace(/^npx leadport /, `"${process.execPath}" "${bin}" `);
        let stdout: string;
        try {
          ({ stdout } = await run('bash', ['-c', shell], {
            cwd: dir,
            env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' },
            maxBuffer: 16 * 1024 * 1024,
          }));
        } catch (error) {
          const failure = error as { code: number; stderr: string };
          throw new Error(`"${written}" exited ${failure.code}: ${failure.stderr}`);
        }
        if (/ import .*--json/.test(command) && !command.includes('--dry-run'))
          importId = (JSON.parse(stdout) as { importId: string }).importId;
      }
      expect(importId).toBeDefined();
      expect(fs.readFileSync(path.join(dir, 'failed.csv'), 'utf8')).toContain('state must be one of TX, CA, AZ');
    }, 180_000);
  });
}
