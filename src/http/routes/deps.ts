import { z } from 'zod';
import type { AuthThrottle } from '../../auth/throttle.js';
import type { Config } from '../../config.js';
import type { Store } from '../../db/database.js';
import type { FlowCache } from '../../flows/flow-cache.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { SubmissionQueue } from '../../leads/submission-queue.js';
import type { Metrics } from '../../metrics.js';

/** What route plugins need: the store, the configuration, the compiled-flow cache, the submission queue and more. */
export interface RouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly flows: FlowCache;
  readonly submissions: SubmissionQueue;
  readonly throttle: AuthThrottle;
  /** Where background work is enqueued (imports, validations, reverts, webhook deliveries). */
  readonly jobs: JobRunner;
  /** This app's Prometheus metrics. */
  readonly metrics: Metrics;
  /** The base of the URLs the API shows (LEADPORT_PUBLIC_URL or the listen address), never the Host header. */
  readonly publicUrl: () => string;
}

/** The response of a route that answers 204: no body (OpenAPI shows no content). */
export const noContentSchema = z.undefined();
