import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/db/database.js';
import { applyFlow } from '../src/flows/flow.service.js';
import { BENCH_FLOW } from './generate.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/leadport.js', import.meta.url));

/** Migrates the database `env` names (with `leadport migrate`, as a user would) and applies the bench flow. */
export async function benchStore(env: NodeJS.ProcessEnv): Promise<void> {
  await run(process.execPath, [bin, 'migrate'], { env: { ...process.env, ...env } });
  const store = await openStore(loadConfig(env));
  try {
    await applyFlow(store.db, BENCH_FLOW);
  } finally {
    await store.close();
  }
}

/** A new admin API key for the database `env` names. */
export async function adminKey(env: NodeJS.ProcessEnv): Promise<string> {
  return (
    await run(process.execPath, [bin, 'keys', 'create', '--admin'], { env: { ...process.env, ...env } })
  ).stdout.trim();
}
