import type { z } from 'zod';
import type { FlowDefinition, flowSchema } from '../../../src/flows/flow.schema';

/** A flow definition as the editor holds it (the flows-as-code JSON, docs/flows.md). */
export type Definition = FlowDefinition;
export type FieldDefinition = Definition['fields'][number];

/** The operators that take no value. */
export const UNARY_OPERATORS: readonly string[] = [
  'is blank',
  'is not blank',
  'format is valid',
  'format is invalid',
  'is true',
  'is false',
];
/** The operators whose value is a list (typed comma-separated). */
export const LIST_OPERATORS: readonly string[] = ['is included in', 'is not included in', 'is between'];

/**
 * The definition of a flow as the API shows it (catalogue defaults applied): what PUT /api/flows/:id takes
 * back. Empty lists are left out, so the JSON stays as short as a hand-written file.
 */
export function definitionOf(flow: z.infer<typeof flowSchema>): Definition {
  return {
    id: flow.id,
    name: flow.name,
    defaultPhoneRegion: flow.defaultPhoneRegion,
    fields: flow.fields.map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      ...(field.required ? { required: true } : {}),
      ...(field.aliases.length > 0 ? { aliases: [...field.aliases] } : {}),
      ...(field.choices.length > 0 ? { choices: field.choices.map((choice) => ({ ...choice })) } : {}),
    })),
    ...(flow.acceptance ? { acceptance: structuredClone(flow.acceptance) as Definition['acceptance'] } : {}),
    ...(flow.duplicates
      ? {
          duplicates: {
            keys: flow.duplicates.keys.map((key) => (typeof key === 'string' ? key : [...key])),
            windowDays: flow.duplicates.windowDays,
            action: flow.duplicates.action,
            scope: flow.duplicates.scope,
            ...(flow.duplicates.fields ? { fields: { ...flow.duplicates.fields } } : {}),
          },
        }
      : {}),
    sources: flow.sources.map((source) => ({
      id: source.id,
      name: source.name,
      ...(source.acceptance ? { acceptance: structuredClone(source.acceptance) as Definition['acceptance'] } : {}),
    })),
    ...(flow.webhook ? { webhook: { url: flow.webhook.url } } : {}),
  };
}

/** A new flow's starting point: the fields most lead forms have. */
export function newDefinition(): Definition {
  return {
    id: '',
    name: '',
    defaultPhoneRegion: 'US',
    fields: [
      { name: 'first_name', required: true },
      { name: 'last_name' },
      { name: 'email', required: true },
      { name: 'phone_1' },
    ],
    sources: [],
  };
}

/** A rule's value as typed in the builder: lists comma-separated, numbers as numbers. */
export function parseRuleValue(op: string, text: string): unknown {
  if (UNARY_OPERATORS.includes(op)) return undefined;
  const scalar = (part: string) => (part.trim() !== '' && Number.isFinite(Number(part)) ? Number(part) : part.trim());
  if (LIST_OPERATORS.includes(op))
    return text
      .split(',')
      .map(scalar)
      .filter((part) => part !== '');
  return scalar(text);
}

/** A rule's value as the builder shows it. */
export function formatRuleValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}
