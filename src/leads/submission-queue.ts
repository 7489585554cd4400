import type { Transaction } from 'kysely';
import type { Store } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { isTransientStorageError } from '../db/transient.js';
import { storeBatch, type BatchContext, type Submission, type SubmissionResult } from './lead.service.js';

/** Work to commit with a submission, in its transaction (an Idempotency-Key's answer, say). */
export type WithSubmission = (trx: Transaction<DB>, result: SubmissionResult) => Promise<void>;

interface Waiting {
  readonly context: BatchContext;
  readonly submission: Submission;
  readonly alongside: WithSubmission | undefined;
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
  submit(context: BatchContext, submission: Submission, alongside?: WithSubmission): Promise<SubmissionResult> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ context, submission, alongside, resolve, reject });
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
      const plan = await storeBatch(
        this.store,
        first.context,
        group.map((item) => item.submission),
        async (trx, attempt) => {
          for (const [index, item] of group.entries()) {
            const result = attempt.results[index];
            if (item.alongside && result) await item.alongside(trx, result);
          }
        },
      );
      group.forEach((item, index) => {
        const result = plan.results[index];
        if (result) item.resolve(result);
        else item.reject(new Error('the batch returned no result for a submission'));
      });
    } catch (error) {
      // One submission's bad input must not fail the others grouped with it: write each alone, so only
      // the one at fault fails. A storage outage fails them all alike (each gets its 503).
      if (group.length > 1 && !isTransientStorageError(error)) {
        for (const item of group) await this.#write([item]);
        return;
      }
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
