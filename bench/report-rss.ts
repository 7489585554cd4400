// Loaded with `node --import` into a benchmarked process: reports its peak RSS on exit, on stderr, so the
// benchmark measures the real command without changing it.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\n__bench_peak_rss_kb__ ${process.resourceUsage().maxRSS}\n`);
});
