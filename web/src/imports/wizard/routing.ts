import type { TargetField } from '../../api/hooks';

/**
 * The targets of a file whose rows name their flow and source (routeByColumns), as the server maps it
 * (src/core/routing.ts): the two routing columns, both required, then every field of the flows the user may
 * import into, the first flow's definition of a name winning. None of those is required here: each row's
 * own flow checks its required fields.
 */
const ROUTING_TARGETS: readonly TargetField[] = [
  { name: 'flow_id', label: 'Flow id', type: 'string', required: true },
  { name: 'source_id', label: 'Source id', type: 'string', required: true },
];

export function routingTargets(flows: readonly (readonly TargetField[])[]): TargetField[] {
  const fields = new Map<string, TargetField>(ROUTING_TARGETS.map((field) => [field.name, field]));
  for (const flow of flows)
    for (const field of flow)
      if (!fields.has(field.name))
        fields.set(field.name, { name: field.name, label: field.label, type: field.type, required: false });
  return [...fields.values()];
}
