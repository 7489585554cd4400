import type { Kysely } from 'kysely';
import type { FieldSpec, FlowSpec } from '../core/flow-spec.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { newWebhookSecret } from '../webhooks/webhook-signature.js';
import {
  findFlowSpec,
  findWebhookSecret,
  listFlowSpecs,
  listFlows,
  saveFlow,
  saveWebhookSecret,
} from './flow.repository.js';
import { parseFlowDefinition, type FlowDefinitionBody, type FlowSummary } from './flow.schema.js';

export interface ApplyResult {
  id: string;
  /** created: a new flow; updated: the definition changed; unchanged: applying it again changed nothing. */
  result: 'created' | 'updated' | 'unchanged';
  flow: FlowSpec;
}

/** Creates or updates a flow from its definition (flows as code). Applying the same definition twice is a no-op. */
export async function applyFlow(db: Kysely<DB>, definition: unknown, origin?: string): Promise<ApplyResult> {
  const spec = parseFlowDefinition(definition, origin);
  return db.transaction().execute(async (trx) => {
    const existing = await findFlowSpec(trx, spec.id);
    const unchanged = existing !== undefined && JSON.stringify(existing) === JSON.stringify(spec);
    if (!unchanged) await saveFlow(trx, spec, new Date().toISOString(), existing !== undefined);
    // Also for an unchanged flow: one stored with a webhook before secrets existed gets its secret now.
    if (spec.webhook) await ensureWebhookSecret(trx, spec.id);
    const result = unchanged ? 'unchanged' : existing ? 'updated' : 'created';
    return { id: spec.id, result, flow: spec };
  });
}

/** The flow's webhook secret, made (and kept) the first time it is needed. */
export async function ensureWebhookSecret(db: Kysely<DB>, flowId: string): Promise<string> {
  const current = await findWebhookSecret(db, flowId);
  if (current === undefined) throw new AppError('flow_not_found', `unknown flow "${flowId}"`, { flowId });
  if (current) return current;
  await saveWebhookSecret(db, flowId, newWebhookSecret(), { onlyIfMissing: true });
  // Read back: a concurrent caller's secret may have won.
  return (await findWebhookSecret(db, flowId)) ?? '';
}

/** Creates or updates flow `flowId` from a definition sent for it (`PUT /api/flows/:id`), whose id, if any, must be that one. */
export async function putFlow(db: Kysely<DB>, flowId: string, definition: FlowDefinitionBody): Promise<ApplyResult> {
  if (definition.id !== undefined && definition.id !== flowId) {
    throw new AppError('validation_failed', `the body's id "${definition.id}" does not match the URL's "${flowId}"`, {
      field: 'id',
    });
  }
  return applyFlow(db, { ...definition, id: flowId }, 'flow definition');
}

/** Every flow with its field count and sources, by id. */
export async function listFlowSummaries(db: Kysely<DB>): Promise<FlowSummary[]> {
  return listFlows(db);
}

/**
 * Adds custom fields to a flow (those it does not have yet), as an import mapping a column to `+name`
 * does before it runs. Returns the flow as stored.
 */
export async function addCustomFields(db: Kysely<DB>, flowId: string, fields: readonly FieldSpec[]): Promise<FlowSpec> {
  return db.transaction().execute(async (trx) => {
    const existing = await findFlowSpec(trx, flowId);
    if (!existing) throw new AppError('flow_not_found', `unknown flow "${flowId}"`, { flowId });
    const added = fields.filter((field) => !existing.fields.some((current) => current.name === field.name));
    if (added.length === 0) return existing;
    const spec: FlowSpec = { ...existing, fields: [...existing.fields, ...added] };
    await saveFlow(trx, spec, new Date().toISOString(), true);
    return spec;
  });
}

// Enough names to spot a typo; an account with hundreds of flows gets a count for the rest.
const LISTED_FLOWS = 20;

/**
 * The flow's spec, or a flow_not_found error. With `listFlows` the message names the existing flows, as a
 * wrong source is told the flow's sources; only for callers who may see every flow (the CLI, admins): a
 * source must not learn the account's other flows from a typo.
 */
export async function requireFlow(
  db: Kysely<DB>,
  flowId: string,
  options: { listFlows?: boolean } = {},
): Promise<FlowSpec> {
  const spec = await findFlowSpec(db, flowId);
  if (spec) return spec;
  if (!options.listFlows) throw new AppError('flow_not_found', `unknown flow "${flowId}"`, { flowId });
  const ids = (await listFlows(db)).map((flow) => flow.id);
  const named =
    ids.length > LISTED_FLOWS
      ? `${ids.slice(0, LISTED_FLOWS).join(', ')} and ${ids.length - LISTED_FLOWS} more`
      : ids.join(', ');
  const known = ids.length > 0 ? `the flows: ${named}` : 'there are no flows yet';
  throw new AppError('flow_not_found', `unknown flow "${flowId}" (${known})`, {
    flowId,
    flows: ids.slice(0, LISTED_FLOWS),
  });
}

/**
 * The flows a routed import's rows may go to: every flow, or for a source key's import (`onlySource`) the
 * flows that source is attached to.
 */
export async function routableFlows(db: Kysely<DB>, onlySource: string | null): Promise<FlowSpec[]> {
  const flows = await listFlowSpecs(db);
  return onlySource === null ? flows : flows.filter((flow) => flow.sources.some((source) => source.id === onlySource));
}

/** Checks that a source exists and is attached to the flow, or throws source_not_found. */
export function requireSource(flow: FlowSpec, sourceId: string): void {
  if (!flow.sources.some((source) => source.id === sourceId)) {
    const known = flow.sources.map((source) => source.id).join(', ') || 'none';
    throw new AppError(
      'source_not_found',
      `source "${sourceId}" is not attached to flow "${flow.id}" (its sources: ${known})`,
      {
        flowId: flow.id,
        sourceId,
      },
    );
  }
}
