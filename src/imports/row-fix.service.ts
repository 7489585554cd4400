import type { Kysely } from 'kysely';
import type { Principal } from '../auth/auth.service.js';
import { compileFlow } from '../core/pipeline.js';
import { compileRouter, routingFlow } from '../core/routing.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireFlow, routableFlows } from '../flows/flow.service.js';
import { openTabularFile } from '../ingest/open-file.js';
import type { ReadSettings } from '../ingest/tabular.js';
import { DryRunLedger } from '../leads/dry-run-ledger.js';
import { planBatch, type SubmissionResult } from '../leads/lead.service.js';
import { withImportSource } from './import-source.js';
import type { ImportRow, ValidationState } from './import.repository.js';
import { visibleImport } from './import-query.service.js';
import { toSubmissions } from './row-evaluation.js';
import type { FixedRowView, RowFix } from './row-report.schema.js';
import { storedCells, valuesOf } from './row-report.service.js';

/**
 * Fixes one row of an import before it runs: the named columns get the new values (the others keep the
 * row's current cells: an earlier fix, else the validation's report, else the stored file), the whole row
 * is stored as the row's fix (the import job reads it instead of the file's), and the row is re-checked at
 * once (recheckRow): the report then holds its new outcome, or no longer holds it when it now passes. A
 * fixed row has exactly the header's columns: the user edited it column by column, so a ragged row's
 * missing cells become empty and its extra cells go. Refused once the import was started
 * (invalid_state_transition) and while a validation runs (its report is being rewritten).
 */
export async function fixRow(
  db: Kysely<DB>,
  principal: Principal,
  importId: string,
  rowNumber: number,
  values: RowFix['values'],
): Promise<FixedRowView> {
  const row = await visibleImport(db, principal, importId);
  const headers = JSON.parse(row.columns) as string[];
  const unknown = Object.keys(values).filter((header) => !headers.includes(header));
  if (unknown.length > 0)
    throw new AppError(
      'validation_failed',
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((header) => `"${header}"`).join(', ')}; the file's columns are ${headers.map((header) => `"${header}"`).join(', ')}`,
      { columns: unknown },
    );
  assertFixable(row);
  const current = await currentCells(db, row, rowNumber, headers);
  const cells = headers.map((header, index) =>
    Object.hasOwn(values, header) ? (values[header] as string) : (current[index] ?? ''),
  );
  const result = await recheckRow(db, row, rowNumber, headers, cells);
  const cellsJson = JSON.stringify(cells);
  await db.transaction().execute(async (trx) => {
    // Holds the import's row until commit, so an import started meanwhile either waits and reads this fix,
    // or started first and the fix is refused.
    const held = await trx
      .updateTable('imports')
      .set({ status: 'uploaded' })
      .where('id', '=', row.id)
      .where('status', '=', 'uploaded')
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0) throw notBeforeRun(row.id);
    await trx
      .insertInto('import_row_fixes')
      .values({ import_id: row.id, row_number: rowNumber, cells: cellsJson, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['import_id', 'row_number']).doUpdateSet({ cells: cellsJson }))
      .execute();
    if (result.outcome === 'success') {
      await trx
        .deleteFrom('import_report_rows')
        .where('import_id', '=', row.id)
        .where('row_number', '=', rowNumber)
        .execute();
      return;
    }
    const reported = {
      outcome: result.outcome,
      action: result.action,
      reason: result.reason,
      cells: cellsJson,
      duplicate_of: result.duplicateOf?.leadId ?? null,
      duplicate_key: result.duplicateOf?.key ?? null,
    };
    await trx
      .insertInto('import_report_rows')
      .values({ import_id: row.id, row_number: rowNumber, ...reported })
      .onConflict((oc) => oc.columns(['import_id', 'row_number']).doUpdateSet(reported))
      .execute();
  });
  return {
    row: rowNumber,
    outcome: result.outcome,
    action: result.action,
    reason: result.reason,
    values: valuesOf(headers, cells),
    fixed: true,
    duplicateOf: result.duplicateOf ? { leadId: result.duplicateOf.leadId, key: result.duplicateOf.key } : null,
  };
}

function notBeforeRun(importId: string): AppError {
  return new AppError(
    'invalid_state_transition',
    `import ${importId} was started: fixes apply before the import runs`,
    {
      importId,
    },
  );
}

function assertFixable(row: ImportRow): void {
  if (row.status !== 'uploaded')
    throw new AppError(
      'invalid_state_transition',
      `import ${row.id} is ${row.status}: fixes apply before the import runs`,
      { importId: row.id, status: row.status },
    );
  const validation = row.validation ? (JSON.parse(row.validation) as ValidationState) : null;
  if (validation?.status === 'running')
    throw new AppError('conflict', `import ${row.id} is being validated: fix its rows once the validation ends`, {
      importId: row.id,
    });
  if (row.route_by_columns !== 1 && (!row.flow_id || !row.source_id))
    throw new AppError('validation_failed', `import ${row.id}: choose a flow and a source first`, {
      flowId: row.flow_id,
      sourceId: row.source_id,
    });
}

/** The row's cells now: its fix, else as the validation's report holds them, else as the file has them. */
async function currentCells(
  db: Kysely<DB>,
  row: ImportRow,
  rowNumber: number,
  headers: readonly string[],
): Promise<string[]> {
  const fix = await db
    .selectFrom('import_row_fixes')
    .select('cells')
    .where('import_id', '=', row.id)
    .where('row_number', '=', rowNumber)
    .executeTakeFirst();
  if (fix) return storedCells(fix.cells, headers);
  const reported = await db
    .selectFrom('import_report_rows')
    .select('cells')
    .where('import_id', '=', row.id)
    .where('row_number', '=', rowNumber)
    .executeTakeFirst();
  if (reported) return storedCells(reported.cells, headers);
  const read = await fileRow(db, row, rowNumber);
  if (!read)
    throw new AppError('row_not_found', `${row.file_name} has no row ${rowNumber}`, {
      importId: row.id,
      row: rowNumber,
    });
  return read;
}

/**
 * Reads the import's file (a CLI import's local file in place, an upload copied out of the database) with
 * its stored settings, as the import job will, up to the row; undefined when the file has no such row.
 */
async function fileRow(db: Kysely<DB>, row: ImportRow, rowNumber: number): Promise<string[] | undefined> {
  return withImportSource(db, row, async (file) => {
    const settings = JSON.parse(row.options) as ReadSettings;
    const opened = await openTabularFile(file, {
      maxBytes: Number.POSITIVE_INFINITY,
      displayName: row.file_name,
      hasHeader: settings.hasHeader,
      ...(settings.encoding ? { encoding: settings.encoding } : {}),
      ...(settings.delimiter ? { delimiter: settings.delimiter } : {}),
      ...(settings.sheet ? { sheet: settings.sheet } : {}),
    });
    try {
      for await (const records of opened.records()) {
        for (const record of records) {
          if (record.recordNumber === rowNumber) return record.cells;
          if (record.recordNumber > rowNumber) return undefined;
        }
      }
      return undefined;
    } finally {
      opened.close();
    }
  });
}

/**
 * Re-checks one row as the import would: the same pure pipeline (toSubmissions with the import's mapping
 * and the flow compiled for the import's time), then the duplicate check against the stored leads
 * (planBatch in dry-run mode: nothing is written). Two differences from a whole-file run, both by design
 * for a one-row check: no column hints (a hint only chooses day-first for an ambiguous date, which changes
 * a date's value but never whether the row passes), and no duplicates within the file (the other rows are
 * not read; the next validation or the import itself finds those).
 */
async function recheckRow(
  db: Kysely<DB>,
  row: ImportRow,
  rowNumber: number,
  headers: readonly string[],
  cells: readonly string[],
): Promise<SubmissionResult> {
  const routed = row.route_by_columns === 1;
  const flows = routed ? await routableFlows(db, row.source_id) : [];
  const flow = routed ? routingFlow(flows) : await requireFlow(db, row.flow_id ?? '');
  const targets = JSON.parse(row.mapping) as (string | null)[];
  const now = new Date(Date.parse(row.started_at ?? row.created_at));
  const compiled = compileFlow(flow, {}, now);
  const sourceId = row.source_id ?? '';
  const route = routed ? compileRouter({ flows, hints: {}, onlySource: row.source_id ?? undefined }, now) : undefined;
  const submissions = toSubmissions(
    [{ cells: [...cells], recordNumber: rowNumber }],
    headers,
    targets,
    compiled,
    sourceId,
    route,
  );
  // A routed row is checked for duplicates in the flow it names (none for a flow that does not exist).
  const named = submissions[0]?.flowId;
  const spec = routed
    ? (flows.find((each) => each.id === named) ?? { ...flow, id: named ?? '', duplicates: undefined })
    : flow;
  const ledger = await DryRunLedger.open();
  try {
    const plan = await planBatch(db, null, { flow: { spec }, sourceId, importId: null }, submissions, ledger);
    return plan.results[0] as SubmissionResult;
  } finally {
    await ledger.close();
  }
}
