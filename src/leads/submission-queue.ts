import type { Store } from '../db/database.js';
import { storeBatch, type BatchContext, type Submission, type SubmissionResult } from './lead.service.js';

interface Waiting {
  readonly context: BatchContext;
  readonly submission: Submission;
  readonly resolve: (result: SubmissionResult) => void;
  readonly reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * Group commit for real-time submissions. Submissions that arrive in the same turn of the event loop, or
 * while a write runs, are written together, one transaction per flow and source, in arrival order; each
 * still gets its own outcome. Under load this turns thousands of tiny transactions (each paying SQLite's
 * commit) into a few larger ones; idle, it costs one event-loop turn.
 */
export class SubmissionQueue {
  readonly #waiting: Waiting[] = [];
  #draining = false;

  constructor(private readonly store: Store) {}

  /** Stores one submission through the pipeline's storage step and resolves with its result. */
  submit(context: BatchContext, submission: Submission): Promise<SubmissionResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ context, submission, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        // Let the event loop read the requests already waiting on other connections first, so they join.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH);
        for (const group of groupByFlowAndSource(batch)) await this.#write(group);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #write(group: readonly Waiting[]): Promise<void> {
    const first = group[0];
    if (!first) return;
    try {
      const plan = await storeBatch(this.store, first.context, group.map((item) => item.submission));
      group.forEach((item, index) => {
        const result = plan.results[index];
        if (result) item.resolve(result);
        else item.reject(new Error('the batch returned no result for a submission'));
      });
    } catch (error) {
      for (const item of group) item.reject(error);
    }
  }
}

function groupByFlowAndSource(batch: readonly Waiting[]): Waiting[][] {
  const groups = new Map<string, Waiting[]>();
  for (const item of batch) {
    const key = `${item.context.flow.spec.id}\u0000${item.context.sourceId}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
