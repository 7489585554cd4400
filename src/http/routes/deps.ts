import type { Config } from '../../config.js';
import type { Store } from '../../db/database.js';
import type { FlowCache } from '../../flows/flow-cache.js';
import type { SubmissionQueue } from '../../leads/submission-queue.js';

/** What route plugins need: the store, the configuration, the compiled-flow cache and the submission queue. */
export interface RouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly flows: FlowCache;
  readonly submissions: SubmissionQueue;
}
