import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, tempDir, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');
const exampleFlow = path.join(root, 'examples/solar-flow.json');
const exampleCsv = path.join(root, 'examples/solar-leads.csv');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(url: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const EXPECTED_FAILED_CSV = [
  '\uFEFFFirst Name,Last Name,Email,Phone,State,Zip,Roof type,row,error,duplicate_of',
  'Aiko,Tanaka,aiko.tanaka@example,602-555-0107,AZ,85001,metal,4,email is invalid: not a valid email address,',
  ',Nguyen,linh.nguyen@example.com,602-555-0111,AZ,85004,shingle,5,first_name is required,',
  `Robert,Johnson,robert.johnson@example.com,+1 713 555 0100,NY,10001,tile,6,"state must be one of TX, CA, AZ",`,
  'Maria,Garcia,Maria.Garcia@Example.com,512-555-0143,TX,78701,shingle,7,duplicate,email matches row 2 of this file',
  'Chen,Wei,,480-555-0122,AZ,85251,metal,8,email is required,',
  '',
].join('\r\n');

for (const dialect of DIALECTS) {
  describe(`leadport CLI on ${dialect}`, () => {
    let t: TestStore;
    let dir: string;
    beforeAll(async () => {
      t = await createTestStore(dialect);
      dir = tempDir();
    });
    afterAll(async () => {
      await t.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('applies the example flow, imports the example file, and reports exactly', async () => {
      expect(await cli(t.url, ['flows', 'apply', exampleFlow])).toMatchObject({
        code: 0,
        stdout: 'flow "solar" created\n',
      });
      expect(await cli(t.url, ['flows', 'apply', exampleFlow])).toMatchObject({
        code: 0,
        stdout: 'flow "solar" unchanged\n',
      });

      const dry = await cli(t.url, [
        'import',
        exampleCsv,
        '--flow',
        'solar',
        '--source',
        'acme-media',
        '--json',
        '--dry-run',
      ]);
      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        status: 'completed_with_errors',
        total: 9,
        created: 4,
        updated: 0,
        failed: 5,
        duplicates: 1,
      });
      expect((await cli(t.url, ['leads', 'export', '--flow', 'solar'])).stdout).toBe('');

      const imported = await cli(t.url, ['import', exampleCsv, '--flow', 'solar', '--source', 'acme-media', '--json']);
      expect(imported.code).toBe(0);
      const summary = JSON.parse(imported.stdout);
      expect(Object.keys(summary)).toEqual([
        'importId',
        'status',
        'total',
        'created',
        'updated',
        'failed',
        'duplicates',
        'durationMs',
      ]);
      expect(summary).toMatchObject({
        status: 'completed_with_errors',
        total: 9,
        created: 4,
        updated: 0,
        failed: 5,
        duplicates: 1,
      });
      expect(summary.total).toBe(summary.created + summary.updated + summary.failed);

      const failed = await cli(t.url, ['imports', 'failed', summary.importId]);
      expect(failed).toMatchObject({ code: 0, stdout: EXPECTED_FAILED_CSV });

      const exported = await cli(t.url, ['leads', 'export', '--flow', 'solar']);
      const leads = exported.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(leads).toHaveLength(4);
      expect(Object.keys(leads[0])).toEqual(['id', 'flowId', 'sourceId', 'fields', 'createdAt']);
      expect(leads[0]).toMatchObject({
        flowId: 'solar',
        sourceId: 'acme-media',
        fields: {
          first_name: 'Maria',
          last_name: 'Garcia',
          email: 'maria.garcia@example.com',
          phone_1: '+15125550143',
          state: 'TX',
          postal_code: '78701',
          roof_type: 'shingle',
        },
      });
      expect(leads[1].fields).toMatchObject({
        email: 'james.smith@example.com',
        state: 'CA',
        phone_1: '+15125550199',
        postal_code: '90210',
      });

      const csv = await cli(t.url, ['leads', 'export', '--flow', 'solar', '--csv']);
      // UTF-8 with a byte-order mark, so Excel reads accents right; --no-bom leaves it out.
      expect(csv.stdout.split('\r\n')[0]).toBe(
        '\uFEFFid,flow_id,source_id,created_at,first_name,last_name,email,phone_1,state,postal_code,roof_type',
      );
      const plain = await cli(t.url, ['leads', 'export', '--flow', 'solar', '--csv', '--no-bom']);
      expect(plain.stdout.startsWith('id,flow_id,')).toBe(true);

      const shown = JSON.parse((await cli(t.url, ['imports', 'show', summary.importId, '--json'])).stdout);
      expect(shown).toMatchObject({
        id: summary.importId,
        status: 'completed_with_errors',
        total: 9,
        fileName: 'solar-leads.csv',
      });
      const listed = await cli(t.url, ['imports', 'list']);
      expect(listed.stdout).toContain(summary.importId);
    });

    it('neutralises formula cells in CSV files, also across lines, and leaves phone numbers as they are', async () => {
      const file = path.join(dir, 'formulas.csv');
      fs.writeFileSync(
        file,
        [
          'First Name,Email,Phone,State',
          '"=1+1\nx",formula@x.test,512-555-0101,NY',
          '"=HYPERLINK(""http://evil.test"")\r\n",link@x.test,512-555-0102,NY',
          'Phone,phone@x.test,512-555-0103,TX',
          '"@SUM(A1)\n=2",stored@x.test,512-555-0104,TX',
        ].join('\n'),
      );
      const summary = JSON.parse(
        (await cli(t.url, ['import', file, '--flow', 'solar', '--source', 'acme-media', '--json'])).stdout,
      );
      expect(summary).toMatchObject({ created: 2, failed: 2 });
      const failed = (await cli(t.url, ['imports', 'failed', summary.importId])).stdout;
      expect(failed).toContain('"\'=1+1\nx",formula@x.test,512-555-0101,NY,');
      expect(failed).toContain('"\'=HYPERLINK(""http://evil.test"")\r\n",link@x.test,512-555-0102,NY,');
      const csv = (await cli(t.url, ['leads', 'export', '--flow', 'solar', '--csv'])).stdout.split('\r\n');
      expect(csv.find((line) => line.includes('phone@x.test'))).toMatch(/,phone@x\.test,\+15125550103,TX,/);
      // A stored lead's formula cell (`leads export --csv`), also when it spans lines.
      expect(csv.find((line) => line.includes('stored@x.test'))).toMatch(
        /,"'@SUM\(A1\)\n=2",,stored@x\.test,\+15125550104,TX,,$/,
      );
    });

    it('writes exports and failed records to a file with -o, the same bytes as on stdout', async () => {
      const leads = path.join(dir, 'leads.csv');
      expect(await cli(t.url, ['leads', 'export', '--flow', 'solar', '--csv', '-o', leads])).toMatchObject({
        code: 0,
        stdout: '',
      });
      expect(fs.readFileSync(leads, 'utf8')).toBe(
        (await cli(t.url, ['leads', 'export', '--flow', 'solar', '--csv'])).stdout,
      );
      const [latest] = JSON.parse((await cli(t.url, ['imports', 'list', '--json'])).stdout) as { id: string }[];
      const failed = path.join(dir, 'failed.csv');
      expect(await cli(t.url, ['imports', 'failed', latest?.id ?? '', '-o', failed])).toMatchObject({
        code: 0,
        stdout: '',
      });
      expect(fs.readFileSync(failed, 'utf8')).toBe((await cli(t.url, ['imports', 'failed', latest?.id ?? ''])).stdout);
    });

    it('prints a readable summary without --json', async () => {
      const result = await cli(t.url, ['import', exampleCsv, '--flow', 'solar', '--source', 'acme-media', '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('nothing was stored');
      expect(result.stdout).toMatch(/rows:\s+9/);
      expect(result.stdout).toMatch(/created:\s+0\n/);
      expect(result.stdout).toMatch(/duplicates:\s+5\n/);
    });

    it('refuses what cannot be imported with a clear message and a non-zero exit', async () => {
      const missing = await cli(t.url, [
        'import',
        path.join(dir, 'nope.csv'),
        '--flow',
        'solar',
        '--source',
        'acme-media',
        '--json',
      ]);
      expect(missing).toMatchObject({ code: 1, stdout: '' });
      expect(missing.stderr).toBe('leadport: nope.csv: no such file\n');

      const unknownFlow = await cli(t.url, ['import', exampleCsv, '--flow', 'wind', '--source', 'acme-media']);
      expect(unknownFlow.code).toBe(1);
      expect(unknownFlow.stderr).toContain('unknown flow "wind"');

      const unknownSource = await cli(t.url, ['import', exampleCsv, '--flow', 'solar', '--source', 'nobody']);
      expect(unknownSource.stderr).toContain('source "nobody" is not attached to flow "solar"');

      const broken = path.join(dir, 'broken.csv');
      fs.writeFileSync(broken, 'First Name,Email,State\nAnn,ann@x.com,TX\nBob,"bob@x.com,TX\nCy,cy@x.com,TX\n');
      const quote = await cli(t.url, ['import', broken, '--flow', 'solar', '--source', 'acme-media', '--json']);
      expect(quote.code).toBe(1);
      expect(quote.stderr).toBe(
        'leadport: broken.csv, line 3, column 2: a quoted field is never closed (unclosed quote)\n',
      );

      const badJson = path.join(dir, 'bad.json');
      fs.writeFileSync(badJson, '{\n  "id": "x",\n  "name": "X"\n  "fields": []\n}\n');
      const flowJson = await cli(t.url, ['flows', 'apply', badJson]);
      expect(flowJson.code).toBe(1);
      expect(flowJson.stderr).toContain('bad.json: not valid JSON, line 4, column 3: a "," is expected between items');

      const badFlow = path.join(dir, 'bad-flow.json');
      fs.writeFileSync(
        badFlow,
        JSON.stringify({
          id: 'x',
          name: 'X',
          fields: [{ name: 'email' }],
          acceptance: { all: [{ field: 'state', op: 'is blank' }] },
        }),
      );
      const flowSchema = await cli(t.url, ['flows', 'apply', badFlow]);
      expect(flowSchema.code).toBe(1);
      expect(flowSchema.stderr).toContain('acceptance.0.field: "state" is not a field of this flow');

      const backreference = path.join(dir, 'backreference-flow.json');
      fs.writeFileSync(
        backreference,
        JSON.stringify({
          id: 'x',
          name: 'X',
          fields: [{ name: 'email' }],
          acceptance: { all: [{ field: 'email', op: 'matches pattern', value: '(a)\\1' }] },
        }),
      );
      const refused = await cli(t.url, ['flows', 'apply', backreference]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'acceptance.0.value: the pattern "(a)\\\\1" of rule "email matches pattern" cannot be used: invalid escape sequence',
      );
    });

    it('two concurrent imports of the same keys create each lead once', async () => {
      const flow = JSON.parse(fs.readFileSync(exampleFlow, 'utf8'));
      flow.id = 'race';
      const flowFile = path.join(dir, 'race.json');
      fs.writeFileSync(flowFile, JSON.stringify(flow));
      await cli(t.url, ['flows', 'apply', flowFile]);
      const rows = Array.from({ length: 3000 }, (_, i) => `Lead${i},lead${i}@race.test,TX`);
      const a = path.join(dir, 'a.csv');
      const b = path.join(dir, 'b.csv');
      fs.writeFileSync(a, ['First Name,Email,State', ...rows].join('\n'));
      fs.writeFileSync(b, ['First Name,Email,State', ...rows.slice().reverse()].join('\n'));
      const results = await Promise.all(
        [a, b].map((file) => cli(t.url, ['import', file, '--flow', 'race', '--source', 'acme-media', '--json'])),
      );
      expect(results.map((result) => [result.code, result.stderr])).toEqual([
        [0, ''],
        [0, ''],
      ]);
      const summaries = results.map((result) => JSON.parse(result.stdout));
      expect(summaries[0].created + summaries[1].created).toBe(3000);
      expect(summaries[0].duplicates + summaries[1].duplicates).toBe(3000);
      const exported = (await cli(t.url, ['leads', 'export', '--flow', 'race'])).stdout.trim().split('\n');
      const emails = exported.map((line) => JSON.parse(line).fields.email);
      expect(new Set(emails).size).toBe(3000);
      expect(emails).toHaveLength(3000);
    });

    it('imports the same with and without the evaluation worker thread', async () => {
      const results: string[] = [];
      for (const worker of ['on', 'off']) {
        const other = await createTestStore(dialect);
        try {
          await cli(other.url, ['flows', 'apply', exampleFlow]);
          const file = path.join(dir, `worker-${worker}.csv`);
          const lines = ['First Name,Email,Phone,State'];
          for (let i = 0; i < 5000; i++)
            lines.push(
              `P${i},p${i % 4000}@x.com,512-555-${String(i % 10000).padStart(4, '0')},${['TX', 'NY', 'CA'][i % 3]}`,
            );
          fs.writeFileSync(file, lines.join('\n'));
          const summary = JSON.parse(
            (
              await cli(other.url, ['import', file, '--flow', 'solar', '--source', 'acme-media', '--json'], {
                LEADPORT_IMPORT_WORKER: worker,
                LEADPORT_BATCH_SIZE: '700',
              })
            ).stdout,
          );
          const failed = (await cli(other.url, ['imports', 'failed', summary.importId])).stdout;
          const leads = (await cli(other.url, ['leads', 'export', '--flow', 'solar'])).stdout
            .trim()
            .split('\n')
            .map((line) => JSON.stringify(JSON.parse(line).fields));
          results.push(
            JSON.stringify({
              counts: [summary.total, summary.created, summary.failed, summary.duplicates],
              failed,
              leads,
            }),
          );
        } finally {
          await other.destroy();
        }
      }
      // NY (every third row) is refused; rows 4000+ repeat the emails of rows 0-999, 333 of them both accepted.
      expect(JSON.parse(results[0] ?? '{}').counts).toEqual([5000, 3000, 2000, 333]);
      expect(results[1]).toBe(results[0]);
    });

    it('migrate reports an up-to-date database', async () => {
      expect(await cli(t.url, ['migrate'])).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
    });
  });
}

describe('leadport preview and templates CLI', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    await cli(t.url, ['flows', 'apply', exampleFlow]);
  });
  afterAll(async () => t.destroy());

  const fixtures = path.join(root, 'test/fixtures/files');

  it('prints the preview contract as JSON', async () => {
    const result = await cli(t.url, [
      'preview',
      path.join(fixtures, 'multi-sheet.xlsx'),
      '--flow',
      'solar',
      '--sheet',
      'Leads',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const preview = JSON.parse(result.stdout);
    expect(Object.keys(preview).slice(0, 7)).toEqual([
      'format',
      'encoding',
      'delimiter',
      'hasHeader',
      'sheets',
      'sheet',
      'columns',
    ]);
    expect(preview).toMatchObject({
      format: 'xlsx',
      encoding: null,
      delimiter: null,
      hasHeader: true,
      sheets: ['Summary', 'Leads'],
    });
    expect(preview.columns[0]).toMatchObject({ index: 0, header: 'E-mail Address', field: 'email' });
    expect(preview.columns.map((c: { field: string | null }) => c.field)).toEqual([
      'email',
      'first_name',
      'phone_1',
      'postal_code',
      null,
      null,
    ]);
    expect(preview.sampleRows[0]).toEqual(['ann@example.com', 'Ann', '(512) 555-0101', '02134', '2024-01-15', '42']);
  });

  it('applies --encoding, --delimiter, --no-header and --map overrides', async () => {
    const result = await cli(t.url, [
      'preview',
      path.join(fixtures, 'pipe.txt'),
      '--flow',
      'solar',
      '--json',
      '--no-header',
      '--delimiter',
      '|',
      '--encoding',
      'windows-1252',
      '--map',
      'Column 1=email,Column 2=first_name',
    ]);
    const preview = JSON.parse(result.stdout);
    expect(preview).toMatchObject({ encoding: 'windows-1252', delimiter: '|', hasHeader: false });
    expect(preview.evidence).toMatchObject({
      encoding: 'chosen by the user',
      delimiter: 'chosen by the user',
      hasHeader: 'chosen by the user',
    });
    expect(preview.columns.map((c: { field: string | null }) => c.field)).toEqual(['email', 'first_name', null]);
  });

  it('prints a readable preview', async () => {
    const result = await cli(t.url, ['preview', path.join(fixtures, 'windows-1252.csv'), '--flow', 'solar']);
    expect(result.stdout).toContain('encoding   windows-1252  (not valid UTF-8');
    expect(result.stdout).toMatch(/Email\s+-> email \(97%\)/);
    expect(result.stdout).toContain('José | Müller | jose@example.com | Crème | €500');
  });

  it('shows control characters from files escaped in human output, and as JSON escapes with --json', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'evil\x1b[31mred\nname\u009b.csv');
      fs.writeFileSync(file, 'First Name,Email,State\n"\x1b[31mAnn\nB\x7f",ann@ctl.test,TX\n');
      const preview = await cli(t.url, ['preview', file, '--flow', 'solar']);
      expect(preview.code).toBe(0);
      expect(preview.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      expect(preview.stdout).toContain('  \\x1b[31mAnn\\nB\\x7f | ann@ctl.test | TX\n');

      const imported = JSON.parse(
        (await cli(t.url, ['import', file, '--flow', 'solar', '--source', 'acme-media', '--json'])).stdout,
      );
      const listed = await cli(t.url, ['imports', 'list']);
      expect(listed.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      expect(listed.stdout).toContain(
        `${imported.importId}  completed             evil\\x1b[31mred\\nname\\x9b.csv  total 1,`,
      );
      const shownImport = await cli(t.url, ['imports', 'show', imported.importId]);
      expect(shownImport.stdout).toContain('fileName: evil\\x1b[31mred\\nname\\x9b.csv\n');

      // JSON escapes C0 itself; DEL and C1 are escaped too, and the JSON still reads back the same.
      const json = await cli(t.url, ['imports', 'show', imported.importId, '--json']);
      expect(json.stdout).toContain('"fileName": "evil\\u001b[31mred\\nname\\u009b.csv"');
      expect(json.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
      expect(JSON.parse(json.stdout).fileName).toBe('evil\x1b[31mred\nname\u009b.csv');

      const missing = await cli(t.url, [
        'import',
        path.join(dir, 'gone\x1b[2J\r.csv'),
        '--flow',
        'solar',
        '--source',
        'acme-media',
      ]);
      expect(missing).toMatchObject({ code: 1, stderr: 'leadport: gone\\x1b[2J\\r.csv: no such file\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saves a template and imports an XLSX with it', async () => {
    const saved = await cli(t.url, [
      'templates',
      'save',
      path.join(fixtures, 'multi-sheet.xlsx'),
      '--sheet',
      'Leads',
      '--flow',
      'solar',
      '--name',
      'Spring',
      '--map',
      'Score=',
    ]);
    expect(saved.stdout).toMatch(/^template "Spring" saved for flow "solar"/);
    const list = JSON.parse((await cli(t.url, ['templates', 'list', '--json'])).stdout);
    expect(list[0]).toMatchObject({
      flowId: 'solar',
      name: 'Spring',
      mapping: { 'E-mail Address': 'email', Score: null },
    });
    const imported = await cli(t.url, [
      'import',
      path.join(fixtures, 'multi-sheet.xlsx'),
      '--sheet',
      'Leads',
      '--flow',
      'solar',
      '--source',
      'acme-media',
      '--template',
      'Spring',
      '--json',
    ]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ total: 3, failed: 3 });
    const failed = await cli(t.url, ['imports', 'failed', JSON.parse(imported.stdout).importId]);
    expect(failed.stdout.split('\r\n')[1]).toBe(
      'ann@example.com,Ann,(512) 555-0101,02134,2024-01-15,42,2,"state must be one of TX, CA, AZ",',
    );
  });
});
