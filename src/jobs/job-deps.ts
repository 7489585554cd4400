import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import type { Metrics } from '../metrics.js';
import type { JobRunner } from './job-runner.js';

/** What job handlers need: the store, the configuration, the runner (to enqueue follow-up jobs) and metrics. */
export interface JobDeps {
  readonly config: Config;
  readonly store: Store;
  readonly jobs: JobRunner;
  /** The process's Prometheus metrics; none where nothing is scraped (the CLI). */
  readonly metrics?: Metrics | undefined;
  readonly log: (message: string) => void;
}
