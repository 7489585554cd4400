// Loaded with `node --import` into a benchmarked process: reports its peak RSS and the CPU time it used (user
// + system, all threads) on exit, on stderr, so the benchmark measures the real command without changing it.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(
    2,
    `\n__bench_peak_rss_kb__ ${usage.maxRSS}\n__bench_cpu_us__ ${usage.userCPUTime + usage.systemCPUTime}\n`,
  );
});
