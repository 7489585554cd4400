import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../helpers/stores.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');

/**
 * Starts `leadport serve` on a free port with stdout piped (not a terminal), sends the given requests one after
 * the other, stops the server and returns what it wrote to stdout.
 */
async function serveAndLog(
  url: string,
  env: Record<string, string>,
  requests: Array<{ path: string; key?: string }>,
): Promise<string[]> {
  // LOG_FORMAT empty counts as unset (whatever the outer environment says): the default for a pipe is JSON.
  const server = spawn(process.execPath, [bin, 'serve'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  server.stdout.setEncoding('utf8');
  const base = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (chunk: string) => {
      output += chunk;
      const listening = /Leadport is listening on (http:\/\/\S+) /.exec(output);
      if (listening?.[1]) resolve(listening[1]);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  for (const request of requests) {
    const response = await fetch(
      `${base}${request.path}`,
      request.key ? { headers: { authorization: `Bearer ${request.key}` } } : {},
    );
    await response.arrayBuffer();
  }
  // A request's line is written when its response has finished, which can be just after the client read it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exited = new Promise((resolve) => server.on('exit', resolve));
  server.kill('SIGTERM');
  await exited;
  return output.split('\n').filter((line) => line !== '');
}

describe('leadport serve logs', () => {
  let t: TestStore;
  let key: string;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
    const { stdout } = await run(process.execPath, [bin, 'keys', 'create', '--admin'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url },
    });
    key = stdout.trim();
  });
  afterAll(async () => t.destroy());

  const requests = () => [{ path: '/health' }, { path: '/api/flows', key }, { path: '/api/flows' }];

  it('writes one JSON line per request when stdout is not a terminal, with the caller kind and never the key', async () => {
    const lines = await serveAndLog(t.url, {}, requests());
    const logged = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = logged.filter((line) => 'statusCode' in line);
    expect(
      requestLines.map(({ method, url, statusCode, principal }) => ({ method, url, statusCode, principal })),
    ).toEqual([
      { method: 'GET', url: '/health', statusCode: 200, principal: undefined },
      { method: 'GET', url: '/api/flows', statusCode: 200, principal: 'admin' },
      { method: 'GET', url: '/api/flows', statusCode: 401, principal: undefined },
    ]);
    expect(requestLines[1]).toMatchObject({
      level: 30,
      msg: expect.stringMatching(/^GET \/api\/flows 200 [\d.]+ ms \(admin\)$/),
      responseTimeMs: expect.any(Number),
    });
    // Fastify's own pair ("incoming request", "request completed") is not written.
    expect(logged.filter((line) => line.msg === 'incoming request' || line.msg === 'request completed')).toEqual([]);
    expect(lines.join('\n')).not.toContain(key);
    expect(lines.join('\n').toLowerCase()).not.toContain('authorization');
  });

  it('writes one readable line per request with LOG_FORMAT=pretty', async () => {
    const lines = await serveAndLog(t.url, { LOG_FORMAT: 'pretty' }, requests());
    expect(lines.some((line) => line.startsWith('{'))).toBe(false);
    const requestLines = lines.filter((line) => / (GET|POST) \//.test(line));
    expect(requestLines).toHaveLength(3);
    expect(requestLines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/health 200 [\d.]+ ms$/);
    expect(requestLines[1]).toMatch(/INFO: GET \/api\/flows 200 [\d.]+ ms \(admin\)$/);
    expect(requestLines[2]).toMatch(/INFO: GET \/api\/flows 401 [\d.]+ ms$/);
    expect(lines.join('\n')).not.toContain(key);
  });
});
