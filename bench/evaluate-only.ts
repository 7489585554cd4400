import { parseFlowDefinition } from '../src/flows/flow.schema.js';
import { suggestMapping } from '../src/core/mapping.js';
import { evaluateBatches } from '../src/imports/submission-batches.js';
import { openTabularFile } from '../src/ingest/open-file.js';
import { BENCH_FLOW } from './generate.js';

/**
 * The pipeline without storage: reads the file and runs every row through mapping, normalisation,
 * acceptance criteria, duplicate keys and the JSON the storage step writes, on one thread, storing nothing.
 * With the storage floor it shows where an import's time goes. Prints `{ rows, ms }`.
 */
async function evaluateOnly(file: string): Promise<void> {
  const flow = parseFlowDefinition(BENCH_FLOW);
  const started = performance.now();
  const tabular = await openTabularFile(file, { maxBytes: Number.MAX_SAFE_INTEGER });
  const targets = suggestMapping(tabular.headers, flow.fields).map((column) => column.field);
  let rows = 0;
  const input = {
    file,
    displayName: tabular.fileName,
    maxBytes: Number.MAX_SAFE_INTEGER,
    settings: tabular.settings,
    headers: tabular.headers,
    targets,
    flow,
    hints: {},
    sourceId: 'bench-source',
    batchSize: 1000,
  };
  for await (const batch of evaluateBatches(tabular, input)) rows += batch.submissions.length;
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ rows, ms })}\n`);
}

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: evaluate-only <file.csv>');
await evaluateOnly(file);
