import { compileFlow, type CompiledFlow } from '../core/pipeline.js';
import type { Store } from '../db/database.js';
import { requireFlow } from './flow.service.js';

const TTL_MS = 2000;

/**
 * Compiled flows for real-time submissions, so a submission does not read and compile its flow every time.
 * Entries live two seconds (a flow applied by another process is picked up within that) and are dropped at
 * once when this process changes the flow.
 */
export class FlowCache {
  readonly #entries = new Map<string, { flow: CompiledFlow; loadedAt: number }>();

  constructor(private readonly store: Store) {}

  async get(flowId: string): Promise<CompiledFlow> {
    const entry = this.#entries.get(flowId);
    if (entry && Date.now() - entry.loadedAt < TTL_MS) return entry.flow;
    const flow = compileFlow(await requireFlow(this.store, flowId));
    this.#entries.set(flowId, { flow, loadedAt: Date.now() });
    return flow;
  }

  invalidate(flowId: string): void {
    this.#entries.delete(flowId);
  }
}
