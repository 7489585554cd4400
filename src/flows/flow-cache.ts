import { LRUCache } from 'lru-cache';
import { compileFlow, type CompiledFlow } from '../core/pipeline.js';
import type { Store } from '../db/database.js';
import { requireFlow } from './flow.service.js';

const TTL_MS = 2000;
// A bound on memory, not a working-set size: a process serving more flows than this reloads some of them.
const MAX_FLOWS = 1000;

/**
 * Compiled flows for real-time submissions, so a submission does not read and compile its flow every time.
 * Entries live two seconds (a flow applied by another process is picked up within that) and are dropped at
 * once when this process changes the flow.
 */
export class FlowCache {
  readonly #entries = new LRUCache<string, CompiledFlow>({ max: MAX_FLOWS, ttl: TTL_MS });

  constructor(private readonly store: Store) {}

  /** The flow, compiled: from the cache if loaded less than two seconds ago, else read and compiled now. */
  async get(flowId: string): Promise<CompiledFlow> {
    const cached = this.#entries.get(flowId);
    if (cached) return cached;
    const flow = compileFlow(await requireFlow(this.store.db, flowId));
    this.#entries.set(flowId, flow);
    return flow;
  }

  /** Drops the flow, so the next submission reads it again (after this process changed it). */
  invalidate(flowId: string): void {
    this.#entries.delete(flowId);
  }
}
