import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createApiKey } from '../src/auth/auth.service.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { applyFlow } from '../src/flows/flow.service.js';
import { BENCH_FLOW } from './generate.js';

const root = path.resolve(import.meta.dirname, '../..');

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/**
 * Real-time submission load: starts `leadport serve` on 127.0.0.1 with a fresh SQLite store, then POSTs
 * unique leads for a fixed time with autocannon and reports submissions per second and latency
 * percentiles. Bounded: it stops after --seconds (default 10) and shuts the server down.
 */
async function main(): Promise<void> {
  const seconds = argument('--seconds', 10);
  const connections = argument('--connections', 32);
  const port = argument('--port', 3900);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadport-load-'));
  const url = `sqlite:${path.join(dir, 'load.db')}`;
  const store = await openStore(loadConfig({ DATABASE_URL: url }));
  await applyFlow(store.db, BENCH_FLOW);
  const { key } = await createApiKey(store.db, { kind: 'source', sourceId: 'bench-source' });
  await store.close();

  // LOAD_SERVER_NODE_ARGS="--cpu-prof" profiles the server under load.
  const nodeArgs = (process.env.LOAD_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin/leadport.js'), 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LEADPORT_RATE_LIMIT_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('listening') ? resolve() : undefined));
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });

  let counter = 0;
  const states = ['TX', 'CA', 'AZ', 'NY'];
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/flows/bench/sources/bench-source/submit`,
      connections,
      duration: seconds,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => {
            counter++;
            const body = {
              first_name: 'Load',
              last_name: `Test${counter}`,
              email: `load${counter}@example.com`,
              phone_1: `(512) 555-${String(counter % 10000).padStart(4, '0')}`,
              state: states[counter % states.length],
              postal_code: '78701',
            };
            return { ...request, body: JSON.stringify(body) };
          },
        },
      ],
    });
    const report = {
      seconds,
      connections,
      requests: result.requests.total,
      submissionsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      status2xx: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
