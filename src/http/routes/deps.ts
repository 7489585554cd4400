import type { Config } from '../../config.js';
import type { Store } from '../../db/database.js';
import type { FlowCache } from '../../flows/flow-cache.js';

/** What route plugins need: the store, the configuration and the compiled-flow cache. */
export interface RouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly flows: FlowCache;
}
