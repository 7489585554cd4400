#!/usr/bin/env node
import { spawn } from 'node:child_process';
import os from 'node:os';

// An import allocates fast and keeps little: V8 would let its heap grow to several times the live data
// before collecting. `leadport import` therefore runs in a child with a capped old generation, which holds
// peak RSS near 200 MB whatever the file's size (docs/performance.md has the measurements).
const HEAP_CAP_MB = 96;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const capped =
  process.execArgv.some((flag) => flag.startsWith('--max-old-space-size')) || process.env.LEADPORT_HEAP_CAPPED === '1';

if (process.argv[2] === 'import' && !capped) {
  // stdout/stderr are shared so progress bars and --json output work as before. The IPC channel closes when
  // this process ends, however it ends (even SIGKILL): the child sees 'disconnect' and stops, never
  // finishing an import nobody waits for.
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${HEAP_CAP_MB}`, ...process.argv.slice(1)],
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, LEADPORT_HEAP_CAPPED: '1' },
    },
  );
  // The child stops cleanly on these (the batch in progress is committed, the import marked cancelled), so
  // they are passed on and this process waits for it. A terminal's Ctrl-C reaches both: the child takes
  // repeated stop requests as one.
  for (const signal of STOP_SIGNALS) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`leadport: cannot start the import process: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
} else {
  // In the import child, the IPC channel is only there to notice the parent's end: it must not keep this
  // process alive once the import is done.
  process.channel?.unref();
  const { main } = await import('../dist/src/cli/main.js');
  main(process.argv).catch((error) => {
    process.stderr.write(`leadport: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
