import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../errors.js';
import {
  AHEAD,
  compileInputFlow,
  evaluateBatches,
  reopen,
  type EvaluationInput,
  type WorkerMessage,
} from './submission-batches.js';

// The worker side of evaluateInWorker: read, evaluate, post batches, stay at most AHEAD batches ahead.
const input = workerData as EvaluationInput;
const port = parentPort;
if (!port) throw new Error('evaluation.worker must run as a worker thread');

let unacknowledged = 0;
let wake: (() => void) | undefined;
port.on('message', () => {
  unacknowledged--;
  const resolve = wake;
  wake = undefined;
  resolve?.();
});
const post = (message: WorkerMessage) => port.postMessage(message);

try {
  const file = await reopen(input);
  for await (const batch of evaluateBatches(file, input, compileInputFlow(input))) {
    post({ type: 'batch', batch });
    unacknowledged++;
    while (unacknowledged >= AHEAD) await new Promise<void>((resolve) => (wake = resolve));
  }
  post({ type: 'done', sha256: file.sha256() });
} catch (error) {
  post({
    type: 'error',
    error: isAppError(error)
      ? { code: error.code, message: error.message, details: error.details }
      : { code: null, message: (error as Error)?.message ?? String(error) },
  });
}
