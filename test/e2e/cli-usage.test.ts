import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { requireFlow } from '../../src/flows/flow.service.js';
import { createTestStore, tempDir, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const exampleFlow = path.join(root, 'examples/solar-flow.json');
const exampleCsv = path.join(root, 'examples/solar-leads.csv');

async function cli(
  url: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

function allCommands(command: Command, name = command.name()): Array<{ name: string; command: Command }> {
  return [{ name, command }, ...command.commands.flatMap((sub) => allCommands(sub, `${name} ${sub.name()}`))];
}

describe('leadport CLI usage', () => {
  let t: TestStore;
  let dir: string;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    dir = tempDir();
  });
  afterAll(async () => {
    await t.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the version from package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(t.url, ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await cli(t.url, ['-v'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('describes every command in --help', () => {
    const undescribed = allCommands(buildProgram())
      .filter(({ command }) => command.name() !== 'help' && command.description().trim() === '')
      .map(({ name }) => name);
    expect(undescribed).toEqual([]);
  });

  it('names a mistyped option and suggests the right one, before any missing required option, in one line and a hint', async () => {
    const typo = await cli(t.url, ['import', exampleCsv, '--flow', 'solar', '--souce', 'acme-media']);
    expect(typo).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        "leadport: error: unknown option '--souce' (Did you mean --source?)\nRun 'leadport import --help' for usage.\n",
    });
    const missing = await cli(t.url, ['import', exampleCsv, '--flow', 'solar']);
    expect(missing).toMatchObject({
      code: 1,
      stderr:
        "leadport: error: required option '--source <id>' not specified\nRun 'leadport import --help' for usage.\n",
    });
    const nested = await cli(t.url, ['imports', 'failed', 'x', '--no-bomb']);
    expect(nested.stderr).toBe(
      "leadport: error: unknown option '--no-bomb' (Did you mean --no-bom?)\nRun 'leadport imports failed --help' for usage.\n",
    );
    const command = await cli(t.url, ['improt', 'leads.csv']);
    expect(command).toMatchObject({
      code: 1,
      stderr: "leadport: error: unknown command 'improt' (Did you mean import?)\nRun 'leadport --help' for usage.\n",
    });
    const argument = await cli(t.url, ['preview', '--flow', 'solar']);
    expect(argument).toMatchObject({
      code: 1,
      stderr: "leadport: error: missing required argument 'file'\nRun 'leadport preview --help' for usage.\n",
    });
  });

  it('lists the flows when a command names an unknown one', async () => {
    const none = await cli(t.url, ['import', exampleCsv, '--flow', 'solar', '--source', 'acme-media']);
    expect(none).toMatchObject({ code: 1, stderr: 'leadport: unknown flow "solar" (there are no flows yet)\n' });
    await cli(t.url, ['flows', 'apply', exampleFlow]);
    const wind = path.join(dir, 'wind.json');
    fs.writeFileSync(
      wind,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(exampleFlow, 'utf8')), id: 'wind', name: 'Wind' }),
    );
    await cli(t.url, ['flows', 'apply', wind]);
    for (const args of [
      ['import', exampleCsv, '--flow', 'solr', '--source', 'acme-media', '--json'],
      ['preview', exampleCsv, '--flow', 'solr'],
      ['templates', 'save', exampleCsv, '--flow', 'solr', '--name', 'x'],
    ]) {
      expect(await cli(t.url, args)).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'leadport: unknown flow "solr" (the flows: solar, wind)\n',
      });
    }
    // Services answer sources over HTTP too: they do not list the account's flows unless asked.
    await expect(requireFlow(t.store.db, 'solr')).rejects.toThrow(/^unknown flow "solr"$/);
    await expect(requireFlow(t.store.db, 'solr', { listFlows: true })).rejects.toMatchObject({
      code: 'flow_not_found',
      details: { flowId: 'solr', flows: ['solar', 'wind'] },
    });
  });

  it('imports a file whose rows name their flow and source with --route-by-columns instead of --flow/--source', async () => {
    await cli(t.url, ['flows', 'apply', exampleFlow]);
    const file = path.join(dir, 'routed.csv');
    fs.writeFileSync(
      file,
      'flow_id,source_id,first_name,email,state\nsolar,acme-media,Ann,ann@routed.com,TX\nroof,acme-media,Bo,bo@routed.com,TX\n',
    );
    for (const worker of ['on', 'off']) {
      const imported = await cli(t.url, ['import', file, '--route-by-columns', '--json', '--dry-run'], {
        LEADPORT_IMPORT_WORKER: worker,
      });
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ total: 2, created: 1, failed: 1 });
    }
    const both = await cli(t.url, ['import', file, '--route-by-columns', '--flow', 'solar']);
    expect(both).toMatchObject({ code: 1, stderr: expect.stringMatching(/it takes no flow$/m) });
  });

  it('reads a local file of any size: the upload limit is for HTTP uploads', async () => {
    await cli(t.url, ['flows', 'apply', exampleFlow]);
    // 0.0001 MB is 105 bytes; the example file is several times that.
    const tiny = { LEADPORT_MAX_UPLOAD_MB: '0.0001' };
    expect(fs.statSync(exampleCsv).size).toBeGreaterThan(105);
    const preview = await cli(t.url, ['preview', exampleCsv, '--flow', 'solar', '--json'], tiny);
    expect(preview.code, preview.stderr).toBe(0);
    const saved = await cli(t.url, ['templates', 'save', exampleCsv, '--flow', 'solar', '--name', 'Big files'], tiny);
    expect(saved.code, saved.stderr).toBe(0);
    for (const worker of ['on', 'off']) {
      const imported = await cli(
        t.url,
        ['import', exampleCsv, '--flow', 'solar', '--source', 'acme-media', '--json', '--dry-run'],
        { ...tiny, LEADPORT_IMPORT_WORKER: worker },
      );
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ total: 9 });
    }
  });
});
