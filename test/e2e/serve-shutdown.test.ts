import { spawn, type ChildProcessByStdio } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHUTDOWN_TIMEOUT_MS } from '../../src/http/server.js';
import { createTestStore, type TestStore } from '../helpers/stores.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/leadport.js');

interface Served {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  readonly port: number;
  readonly output: () => string;
  /** Exit code and milliseconds from the call to the exit. */
  readonly exit: () => Promise<{ code: number | null; afterMs: number }>;
}

/** Starts `leadport serve` on a free port, logging JSON lines to a pipe, and waits until it listens. */
async function serve(url: string): Promise<Served> {
  const child = spawn(process.execPath, [bin, 'serve'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const listening = /Leadport is listening on http:\/\/[^:]+:(\d+) /.exec(output);
      if (listening?.[1]) resolve(Number(listening[1]));
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return {
    process: child,
    port,
    output: () => output,
    exit: async () => {
      const started = Date.now();
      const code = await exited;
      return { code, afterMs: Date.now() - started };
    },
  };
}

/**
 * Opens a connection and sends a request's headers but not its body: a request still arriving. Without a
 * key it is answered 401 before its body is read; that answer shows the server has the request.
 */
async function halfSentRequest(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('error', () => undefined);
  const answered = new Promise((resolve) => socket.once('data', resolve));
  socket.write(
    'POST /flows/solar/sources/acme-media/submit HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
  );
  await answered;
  return socket;
}

describe('leadport serve shutdown', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore('sqlite');
  });
  afterAll(async () => t.destroy());

  it('stops at once on SIGTERM when nothing is in flight, keep-alive connections included, and exits 0', async () => {
    const served = await serve(t.url);
    const agent = await fetch(`http://127.0.0.1:${served.port}/health`, { headers: { connection: 'keep-alive' } });
    expect(agent.status).toBe(200);
    await agent.arrayBuffer();
    served.process.kill('SIGTERM');
    const { code, afterMs } = await served.exit();
    expect(code).toBe(0);
    expect(afterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(served.output()).toContain('"msg":"SIGTERM: stopping"');
  });

  it('exits 1 after the shutdown timeout when a request is still arriving, saying so', async () => {
    const served = await serve(t.url);
    const socket = await halfSentRequest(served.port);
    try {
      served.process.kill('SIGTERM');
      const { code, afterMs } = await served.exit();
      expect(code).toBe(1);
      expect(afterMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
      expect(afterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5000);
      expect(served.output()).toContain(
        `"msg":"requests still in flight after ${SHUTDOWN_TIMEOUT_MS} ms; exiting anyway"`,
      );
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
