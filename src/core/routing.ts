import type { FieldSpec, FlowSpec } from './flow-spec.js';
import { compileFlow, type CompiledFlow, type FieldHints, type RawLead } from './pipeline.js';

/**
 * Routing by the file's own columns: each row of such an import names its flow and source in the columns
 * mapped to these two targets, and goes there; the file is mapped against every field of the flows the
 * importer may use.
 */
export const ROUTING_FIELDS = ['flow_id', 'source_id'] as const;

/** The flows a routed file's rows may go to, as plain data (it crosses to the evaluation thread). */
export interface RoutingInput {
  readonly flows: readonly FlowSpec[];
  /** Per flow id, the per-field hints the file's columns gave (day-first dates, 1904 workbooks). */
  readonly hints: Readonly<Record<string, Readonly<Record<string, FieldHints>>>>;
  /** A source key's import: rows may name only this source. */
  readonly onlySource?: string | undefined;
}

/** Where a row goes, or why it cannot go anywhere (its flow and source as the row wrote them). */
export type Route =
  | { readonly flow: CompiledFlow; readonly sourceId: string }
  | { readonly flowId: string; readonly sourceId: string; readonly reason: string };

const routingField = (name: string, label: string, aliases: string[]): FieldSpec => ({
  name,
  label,
  type: 'string',
  required: true,
  aliases,
  choices: [],
  custom: true,
});

/**
 * The flow a routed file is mapped against: the two routing targets (required) and every field of the
 * given flows, the first flow's definition of a name winning, none of them required (each row's own flow
 * checks its required fields).
 */
export function routingFlow(flows: readonly FlowSpec[]): FlowSpec {
  const fields = new Map<string, FieldSpec>();
  for (const flow of flows)
    for (const field of flow.fields) if (!fields.has(field.name)) fields.set(field.name, { ...field, required: false });
  return {
    id: '',
    name: 'the flows named by each row',
    defaultPhoneRegion: flows[0]?.defaultPhoneRegion ?? 'US',
    fields: [
      routingField('flow_id', 'Flow', ['flow', 'flow id', 'flowid']),
      routingField('source_id', 'Source', ['source', 'source id', 'sourceid', 'vendor id']),
      ...[...fields.values()].filter((field) => !(ROUTING_FIELDS as readonly string[]).includes(field.name)),
    ],
    sources: [],
  };
}

/** Compiles the flows once; the returned function routes a mapped row by its flow_id and source_id values. */
export function compileRouter(routing: RoutingInput, now?: Date): (raw: RawLead) => Route {
  const flows = new Map<string, CompiledFlow>(
    routing.flows.map((flow) => [flow.id, compileFlow(flow, routing.hints[flow.id] ?? {}, now)]),
  );
  return (raw) => {
    const flowId = cellOf(raw.flow_id);
    const sourceId = cellOf(raw.source_id);
    const refuse = (reason: string) => ({ flowId, sourceId: routing.onlySource ?? sourceId, reason });
    if (flowId === '') return refuse('flow_id is blank: the row names no flow');
    if (sourceId === '') return refuse('source_id is blank: the row names no source');
    if (routing.onlySource !== undefined && sourceId !== routing.onlySource)
      return refuse(
        `source_id: this API key belongs to source "${routing.onlySource}"; it imports only into its own source, not "${sourceId}"`,
      );
    const flow = flows.get(flowId);
    if (!flow) return refuse(`flow_id: unknown flow "${flowId}"`);
    if (!flow.spec.sources.some((source) => source.id === sourceId))
      return refuse(`source_id: source "${sourceId}" is not attached to flow "${flowId}"`);
    return { flow, sourceId };
  };
}

function cellOf(value: string | undefined): string {
  return value?.trim() ?? '';
}

/**
 * Splits a routed batch's rows (by the flow each names, in file order) into the parts stored one after
 * another in the batch's transaction: one part per flow, its rows in file order. Flows whose duplicate
 * scope is the account share keys, so the order between their rows matters too ("the first row of a key
 * wins"): with `keepFileOrder` the parts are runs of consecutive rows instead. Returns row indexes.
 */
export function splitByFlow(flowIds: readonly string[], keepFileOrder: boolean): number[][] {
  const parts: number[][] = [];
  if (keepFileOrder) {
    flowIds.forEach((flowId, index) => {
      const last = parts[parts.length - 1];
      if (last && flowIds[last[0] as number] === flowId) last.push(index);
      else parts.push([index]);
    });
    return parts;
  }
  const byFlow = new Map<string, number[]>();
  flowIds.forEach((flowId, index) => {
    const part = byFlow.get(flowId);
    if (part) part.push(index);
    else {
      const created = [index];
      byFlow.set(flowId, created);
      parts.push(created);
    }
  });
  return parts;
}
