import type { CompiledFlow } from '../core/pipeline.js';
import { mapRow } from '../core/mapping.js';
import type { RawRecord } from '../ingest/tabular.js';
import { erroredSubmission, evaluatedSubmission, type Submission } from '../leads/lead.service.js';

/** Excel's own limit for a cell; anything longer is not a lead value. */
export const MAX_CELL_LENGTH = 32_767;

function oversizedCell(cells: readonly string[], headers: readonly string[]): string | undefined {
  for (let index = 0; index < cells.length; index++) {
    const length = cells[index]?.length ?? 0;
    if (length > MAX_CELL_LENGTH)
      return `column ${headers[index] ?? index + 1}: the value is ${length} characters long; the limit is ${MAX_CELL_LENGTH}`;
  }
  return undefined;
}

/** Runs the pure pipeline over a batch of records: ragged rows and oversized cells are errors, the rest evaluated. */
export function toSubmissions(
  records: readonly RawRecord[],
  headers: readonly string[],
  targets: readonly (string | null)[],
  flow: CompiledFlow,
  sourceId: string,
): Submission[] {
  const width = headers.length;
  const rejectsDuplicates = flow.spec.duplicates?.action === 'reject';
  return records.map((record) => {
    const started = performance.now();
    const raw = mapRow(record.cells, targets);
    let errorReason: string | undefined;
    if (record.cells.length !== width) {
      const where = record.line !== undefined && record.line !== record.recordNumber ? ` (line ${record.line})` : '';
      errorReason = `row ${record.recordNumber}${where} has ${record.cells.length} fields but the header has ${width}`;
    } else {
      errorReason = oversizedCell(record.cells, headers);
    }
    if (errorReason) return erroredSubmission(record.recordNumber, raw, errorReason, record.cells);
    const evaluation = flow.evaluate(raw, sourceId);
    // The original cells are kept only for rows that can end up failed: an accepted row fails only as a
    // duplicate under a reject policy, so the others skip encoding them.
    const mayFail = !evaluation.accepted || (rejectsDuplicates && evaluation.keys.length > 0);
    return evaluatedSubmission(
      record.recordNumber,
      raw,
      evaluation,
      Math.round((performance.now() - started) * 1000),
      mayFail ? record.cells : undefined,
    );
  });
}
