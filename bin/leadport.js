#!/usr/bin/env node
import { spawnSync } from 'node:child_process';

// An import allocates fast and keeps little: V8 would let its heap grow to several times the live data
// before collecting. `leadport import` therefore runs in a child with a capped old generation, which holds
// peak RSS near 200 MB whatever the file's size (docs/performance.md has the measurements).
const HEAP_CAP_MB = 96;
const capped = process.execArgv.some((flag) => flag.startsWith('--max-old-space-size')) || process.env.LEADPORT_HEAP_CAPPED === '1';
if (process.argv[2] === 'import' && !capped) {
  const child = spawnSync(process.execPath, [...process.execArgv, `--max-old-space-size=${HEAP_CAP_MB}`, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LEADPORT_HEAP_CAPPED: '1' },
  });
  process.exit(child.status ?? 1);
}

const { main } = await import('../dist/src/cli/main.js');
main(process.argv).catch((error) => {
  process.stderr.write(`leadport: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
