import type { CompiledFlow, RawLead } from '../core/pipeline.js';
import { mapRow } from '../core/mapping.js';
import type { Route } from '../core/routing.js';
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

/**
 * Runs the pure pipeline over a batch of records: ragged rows and oversized cells are errors, the rest
 * evaluated. With `route` (a routed import) each row is evaluated by the flow and source it names, and a
 * row naming none it may go to is refused with the reason.
 */
export function toSubmissions(
  records: readonly RawRecord[],
  headers: readonly string[],
  targets: readonly (string | null)[],
  flow: CompiledFlow,
  sourceId: string,
  route?: (raw: RawLead) => Route,
): Submission[] {
  const width = headers.length;
  return records.map((record) => {
    const started = performance.now();
    const raw = mapRow(record.cells, targets);
    const unreadable = unreadableRow(record, width, headers);
    if (!route) {
      if (unreadable) return erroredSubmission(record.recordNumber, raw, unreadable, record.cells);
      return evaluated(record, raw, flow, sourceId, started);
    }
    const destination = route(raw);
    if ('reason' in destination) {
      const { flowId, sourceId: named, reason } = destination;
      const refused = erroredSubmission(record.recordNumber, raw, unreadable ?? reason, record.cells, 'rejected');
      return { ...refused, flowId, sourceId: named };
    }
    const rowFlow = destination.flow;
    const submission = unreadable
      ? erroredSubmission(record.recordNumber, raw, unreadable, record.cells)
      : evaluated(record, raw, rowFlow, destination.sourceId, started);
    return { ...submission, flowId: rowFlow.spec.id, sourceId: destination.sourceId };
  });
}

/** Why a record cannot be evaluated at all (ragged, an oversized cell), or undefined. */
function unreadableRow(record: RawRecord, width: number, headers: readonly string[]): string | undefined {
  if (record.cells.length !== width) {
    const where = record.line !== undefined && record.line !== record.recordNumber ? ` (line ${record.line})` : '';
    return `row ${record.recordNumber}${where} has ${record.cells.length} fields but the header has ${width}`;
  }
  return oversizedCell(record.cells, headers);
}

function evaluated(record: RawRecord, raw: RawLead, flow: CompiledFlow, sourceId: string, started: number): Submission {
  const evaluation = flow.evaluate(raw, sourceId);
  // The original cells are kept only for rows that can end up failed: an accepted row fails only as a
  // duplicate under a reject policy, so the others skip encoding them.
  const mayFail = !evaluation.accepted || (flow.spec.duplicates?.action === 'reject' && evaluation.keys.length > 0);
  return evaluatedSubmission(
    record.recordNumber,
    raw,
    evaluation,
    Math.round((performance.now() - started) * 1000),
    mayFail ? record.cells : undefined,
  );
}
