import type { FlowSpec } from '../core/flow-spec.js';
import type { Store } from '../db/database.js';
import { AppError } from '../errors.js';
import { findFlowSpec, saveFlow } from './flow.repository.js';
import { parseFlowDefinition } from './flow.schema.js';

export interface ApplyResult {
  id: string;
  /** created: a new flow; updated: the definition changed; unchanged: applying it again changed nothing. */
  result: 'created' | 'updated' | 'unchanged';
  flow: FlowSpec;
}

/** Creates or updates a flow from its definition (flows as code). Applying the same definition twice is a no-op. */
export async function applyFlow(store: Store, definition: unknown, origin?: string): Promise<ApplyResult> {
  const spec = parseFlowDefinition(definition, origin);
  return store.db.transaction().execute(async (trx) => {
    const existing = await findFlowSpec(trx, spec.id);
    if (existing && JSON.stringify(existing) === JSON.stringify(spec)) return { id: spec.id, result: 'unchanged' as const, flow: spec };
    await saveFlow(trx, spec, new Date().toISOString(), existing !== undefined);
    return { id: spec.id, result: existing ? ('updated' as const) : ('created' as const), flow: spec };
  });
}

/** The flow's spec, or a flow_not_found error. */
export async function requireFlow(store: Store, flowId: string): Promise<FlowSpec> {
  const spec = await findFlowSpec(store.db, flowId);
  if (!spec) throw new AppError('flow_not_found', `unknown flow "${flowId}"`, { flowId });
  return spec;
}

/** Checks that a source exists and is attached to the flow, or throws source_not_found. */
export function requireSource(flow: FlowSpec, sourceId: string): void {
  if (!flow.sources.some((source) => source.id === sourceId)) {
    const known = flow.sources.map((source) => source.id).join(', ') || 'none';
    throw new AppError('source_not_found', `source "${sourceId}" is not attached to flow "${flow.id}" (its sources: ${known})`, {
      flowId: flow.id,
      sourceId,
    });
  }
}
