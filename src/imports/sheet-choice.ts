import path from 'node:path';
import type { FlowSpec } from '../core/flow-spec.js';
import { suggestMapping } from '../core/mapping.js';
import { AppError, isAppError } from '../errors.js';
import { openTabularFile, type OpenOptions } from '../ingest/open-file.js';
import type { TabularFile } from '../ingest/tabular.js';

/** How many sheets of a workbook are compared: each one costs a read of the workbook's shared parts. */
export const SHEETS_COMPARED = 10;

/** How well one sheet's columns map to a flow. */
export interface SheetFit {
  readonly name: string;
  /** Columns in the sheet's header; null when the sheet could not be read as a table (empty, say). */
  readonly columns: number | null;
  /** Columns the suggested mapping gives a field. */
  readonly mapped: number;
  /** Required fields of the flow that some column maps to. */
  readonly required: number;
}

/**
 * Chooses the sheet to import among those read as a table: the one covering most of the flow's required
 * fields, then mapping most columns; the earlier sheet on a tie, so a workbook where nothing maps is read
 * from its first table as before. Returns its index and the evidence for the preview ("sheet Leads: 5 of
 * 6 columns map to the flow; sheet Notes: 0 of 1 columns map to the flow").
 */
export function chooseSheet(fits: readonly SheetFit[]): { index: number; evidence: string } {
  let index = Math.max(
    0,
    fits.findIndex((fit) => fit.columns !== null),
  );
  fits.forEach((fit, at) => {
    const best = fits[index] as SheetFit;
    if (fit.columns === null) return;
    if (fit.required > best.required || (fit.required === best.required && fit.mapped > best.mapped)) index = at;
  });
  const chosen = fits[index] as SheetFit;
  if (chosen.mapped === 0)
    return {
      index,
      evidence: `no sheet's columns map to the flow, so sheet ${chosen.name} is read (${fits.map(describeFit).join('; ')})`,
    };
  return { index, evidence: [chosen, ...fits.filter((_, at) => at !== index)].map(describeFit).join('; ') };
}

function describeFit(fit: SheetFit): string {
  return fit.columns === null
    ? `sheet ${fit.name}: no table`
    : `sheet ${fit.name}: ${fit.mapped} of ${fit.columns} columns map to the flow`;
}

/**
 * Opens a lead file to import into a flow. A workbook of several sheets, when the user named none, is
 * read from the sheet whose header maps best to the flow (chooseSheet): exports often put a title, notes
 * or FAQ sheet first, or leave the first sheet empty. The evidence says which sheet and why; the other
 * sheets are closed.
 */
export async function openForFlow(file: string, options: OpenOptions, flow: FlowSpec): Promise<TabularFile> {
  if (options.sheet !== undefined) return openTabularFile(file, options);
  let first: TabularFile | undefined;
  let sheets: readonly string[];
  try {
    first = await openTabularFile(file, options);
    sheets = first.sheets;
  } catch (error) {
    // An empty first sheet says which sheets the workbook has: the data may be on another.
    sheets = workbookSheets(error);
    if (sheets.length < 2) throw error;
  }
  if (first && sheets.length < 2) return first;
  const names = sheets.slice(0, SHEETS_COMPARED);
  let best = first;
  const fits: SheetFit[] = [
    first ? sheetFit(first, flow) : { name: names[0] ?? '', columns: null, mapped: 0, required: 0 },
  ];
  try {
    for (const name of names.slice(1)) {
      const other = await openSheet(file, options, name);
      fits.push(other ? sheetFit(other, flow) : { name, columns: null, mapped: 0, required: 0 });
      if (other && (!best || chooseSheet(fits).index === fits.length - 1)) {
        best?.close();
        best = other;
      } else {
        other?.close();
      }
    }
  } catch (error) {
    best?.close();
    throw error;
  }
  if (!best)
    throw new AppError(
      'file_malformed',
      `${options.displayName ?? path.basename(file)}: no sheet holds a table (sheets: ${sheets.join(', ')})`,
      { sheets },
    );
  const compared =
    sheets.length > names.length ? ` (the first ${names.length} of ${sheets.length} sheets compared)` : '';
  return { ...best, sheets, evidence: { ...best.evidence, sheet: `${chooseSheet(fits).evidence}${compared}` } };
}

function workbookSheets(error: unknown): readonly string[] {
  const sheets = isAppError(error) ? error.details?.sheets : undefined;
  return Array.isArray(sheets) ? sheets.filter((name): name is string => typeof name === 'string') : [];
}

// A sheet that cannot be read as a table (an empty sheet, a chart sheet) is not a candidate, not an error.
async function openSheet(file: string, options: OpenOptions, sheet: string): Promise<TabularFile | undefined> {
  try {
    return await openTabularFile(file, { ...options, sheet });
  } catch (error) {
    if (isAppError(error) && error.code === 'file_malformed') return undefined;
    throw error;
  }
}

function sheetFit(file: TabularFile, flow: FlowSpec): SheetFit {
  const mapping = suggestMapping(file.headers, flow.fields, {
    samples: file.sample.slice(0, 50).map((record) => record.cells),
    phoneRegion: flow.defaultPhoneRegion,
  });
  const mappedFields = new Set(
    mapping.map((column) => column.field).filter((field): field is string => field !== null),
  );
  const required = flow.fields.filter((field) => field.required && mappedFields.has(field.name)).length;
  return { name: file.settings.sheet ?? '', columns: file.headers.length, mapped: mappedFields.size, required };
}
