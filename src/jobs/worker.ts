import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { createJobRunner } from './create-job-runner.js';
import { jobHandlers } from './job-handlers.js';
import { lineJobLog } from './job-log.js';

/**
 * `leadport worker`: runs jobs until SIGINT/SIGTERM, then drains (each running import commits its current
 * batch and is given back to the queue) and closes the store.
 */
export async function runWorker(config: Config, store: Store, options: { concurrency: number }): Promise<void> {
  const log = (message: string) => process.stderr.write(`leadport worker: ${message}\n`);
  const jobs = createJobRunner(store, config, lineJobLog(log, config.logLevel));
  jobs.work(jobHandlers({ config, store, jobs, log }), { concurrency: options.concurrency });
  log(`running jobs (concurrency ${options.concurrency}, store: ${store.dialect})`);
  // The runner's poll timer does not hold the process open (so tests and the CLI end); a worker must stay up
  // while it has nothing to do.
  const stayUp = setInterval(() => {}, 60_000);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log(`${signal}: finishing the current batches`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(stayUp);
  await jobs.stop();
  await store.close();
}
