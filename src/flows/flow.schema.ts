import { z } from 'zod';
import { standardField } from '../core/catalogue.js';
import { FIELD_TYPES, type Choice } from '../core/field-types.js';
import { FIELD_UPDATE_POLICIES, type FieldSpec, type FlowSpec } from '../core/flow-spec.js';
import { OPERATORS, compilePattern, isRuleSet, type Rule, type RuleOrSet, type RuleSet } from '../core/rules.js';
import { AppError } from '../errors.js';

/** Flow and source ids: what flow files accept, safe in URLs, file names and shell examples. */
export const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');

const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case (a-z, 0-9, _), starting with a letter');

export const ruleSchema = z.strictObject({
  field: fieldName,
  op: z.enum(OPERATORS),
  value: z.unknown().optional(),
});

const innerSetSchema = z.union([
  z.strictObject({ all: z.array(ruleSchema) }),
  z.strictObject({ any: z.array(ruleSchema) }),
]);

/** Rule sets: all/any of rules, or of rule sets one level deep. */
export const ruleSetSchema = z.union([
  z.strictObject({ all: z.array(z.union([ruleSchema, innerSetSchema])) }),
  z.strictObject({ any: z.array(z.union([ruleSchema, innerSetSchema])) }),
]);

const choiceSchema = z.union([
  z.string().min(1),
  z.strictObject({ value: z.string().min(1), label: z.string().min(1) }),
]);

export const fieldSchema = z.strictObject({
  name: fieldName,
  label: z.string().min(1).optional(),
  type: z.enum(FIELD_TYPES).optional(),
  required: z.boolean().optional(),
  aliases: z.array(z.string().min(1)).optional(),
  choices: z.array(choiceSchema).optional(),
});

export const duplicatesSchema = z.strictObject({
  keys: z.array(z.union([fieldName, z.array(fieldName).min(1)])).min(1),
  windowDays: z.number().int().positive().nullable().optional(),
  action: z.enum(['reject', 'update', 'merge']).default('reject'),
  scope: z.enum(['flow', 'account']).default('flow'),
  fields: z.record(fieldName, z.enum(FIELD_UPDATE_POLICIES)).optional(),
});

export const sourceSchema = z.strictObject({
  id: identifier,
  name: z.string().min(1).optional(),
  acceptance: ruleSetSchema.optional(),
});

/** The flow definition file (`leadport flows apply`, `PUT /api/flows/:id`). */
export const flowDefinitionSchema = z.strictObject({
  id: identifier,
  name: z.string().min(1),
  defaultPhoneRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO country code')
    .default('US'),
  fields: z.array(fieldSchema).min(1),
  acceptance: ruleSetSchema.optional(),
  duplicates: duplicatesSchema.optional(),
  sources: z.array(sourceSchema).default([]),
  webhook: z.strictObject({ url: z.url() }).optional(),
});

export type FlowDefinition = z.input<typeof flowDefinitionSchema>;

/** `PUT /api/flows/:id`: a flow definition whose id, when it has one, must be the URL's. */
export const flowDefinitionBodySchema = flowDefinitionSchema.extend({ id: identifier.optional() });
export type FlowDefinitionBody = z.infer<typeof flowDefinitionBodySchema>;

// Read-only lists, as the pipeline's FlowSpec has them.
const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

const ruleViewSchema = z.object({ field: z.string(), op: z.enum(OPERATORS), value: z.unknown().optional() });
// Flow files nest rule sets one level deep (ruleSetSchema). A nested set's members are left untyped here only
// because the pipeline's RuleSet type nests without limit; a recursive schema would need OpenAPI components.
const nestedSetViewSchema = z
  .union([z.object({ all: list(z.unknown()) }), z.object({ any: list(z.unknown()) })])
  .describe('all or any of these rules');
const ruleSetViewSchema = z.union([
  z.object({ all: list(z.union([ruleViewSchema, nestedSetViewSchema])) }),
  z.object({ any: list(z.union([ruleViewSchema, nestedSetViewSchema])) }),
]);

const fieldViewSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(FIELD_TYPES),
  required: z.boolean(),
  aliases: list(z.string()),
  choices: list(z.object({ value: z.string(), label: z.string() })),
  custom: z.boolean(),
});

/** A flow as the pipeline sees it: its definition with the catalogue's defaults applied (`GET /api/flows/:id`). */
export const flowSchema = z.object({
  id: z.string(),
  name: z.string(),
  defaultPhoneRegion: z.string(),
  fields: list(fieldViewSchema),
  acceptance: ruleSetViewSchema.optional(),
  duplicates: z
    .object({
      keys: list(z.union([z.string(), list(z.string())])),
      windowDays: z.number().nullable(),
      action: z.enum(['reject', 'update', 'merge']),
      scope: z.enum(['flow', 'account']),
      fields: z.record(z.string(), z.enum(FIELD_UPDATE_POLICIES)).optional(),
    })
    .optional(),
  sources: list(z.object({ id: z.string(), name: z.string(), acceptance: ruleSetViewSchema.optional() })),
  webhook: z.object({ url: z.string() }).optional(),
});

/** A flow in the list of flows (`GET /api/flows`, `leadport flows list --json`). */
export const flowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  fields: z.number().describe('how many fields it has'),
  sources: z.array(z.string()).describe('the ids of its sources'),
  updatedAt: z.string(),
});
export type FlowSummary = z.infer<typeof flowSummarySchema>;

/** What applying a definition did: created the flow, updated it, or nothing (it was the same). */
export const flowApplyResultSchema = z.object({
  id: z.string(),
  result: z.enum(['created', 'updated', 'unchanged']),
  flow: flowSchema,
});

/**
 * The schema's problems, one a line with its path. zod can only say "Invalid input" about a rule set (a
 * union of shapes), so rule sets are described by ruleSetProblems instead: which rule, what is wrong with it.
 */
function schemaProblems(input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  const explained = new Set<string>();
  for (const issue of issues) {
    const setPath = ruleSetPath(issue.path);
    if (setPath) {
      const key = setPath.join('.');
      if (explained.has(key)) continue;
      const described = ruleSetProblems(valueAt(input, setPath), key, 0);
      if (described.length > 0) {
        explained.add(key);
        problems.push(...described);
        continue;
      }
    }
    problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return problems;
}

// The path of the rule set an issue is in: `acceptance` or `sources.N.acceptance`.
function ruleSetPath(path: readonly PropertyKey[]): PropertyKey[] | null {
  if (path[0] === 'acceptance') return ['acceptance'];
  if (path[0] === 'sources' && path[2] === 'acceptance') return path.slice(0, 3);
  return null;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** What is wrong with a rule set (all/any of rules, one level of nesting), each problem with its path. */
export function ruleSetProblems(value: unknown, path: string, depth: number): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${path}: must be { "all": [...] } or { "any": [...] }`];
  const keys = Object.keys(value);
  const kind = keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any') ? keys[0] : null;
  if (!kind)
    return [
      `${path}: must have exactly one of "all" or "any" (has ${keys.map((key) => `"${key}"`).join(', ') || 'neither'})`,
    ];
  const members = (value as Record<string, unknown>)[kind];
  if (!Array.isArray(members)) return [`${path}.${kind}: must be a list of rules`];
  return members.flatMap((member, index) => {
    const at = `${path}.${index}`;
    if (member !== null && typeof member === 'object' && ('all' in member || 'any' in member)) {
      return depth === 0 ? ruleSetProblems(member, at, 1) : [`${at}: rule sets nest one level deep only`];
    }
    return ruleProblems(member, at);
  });
}

function ruleProblems(rule: unknown, path: string): string[] {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule))
    return [`${path}: must be a rule { "field", "op", "value"? }`];
  const problems: string[] = [];
  const { field, op, ...rest } = rule as Record<string, unknown>;
  const parsedField = fieldName.safeParse(field);
  if (!parsedField.success)
    problems.push(
      `${path}.field: ${field === undefined ? 'is missing' : `"${String(field)}" ${parsedField.error.issues[0]?.message ?? 'is not a field name'}`}`,
    );
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    problems.push(
      `${path}.op: ${op === undefined ? 'is missing' : `"${String(op)}" is not an operator`}; use one of: ${OPERATORS.join(', ')}`,
    );
  }
  for (const key of Object.keys(rest))
    if (key !== 'value') problems.push(`${path}.${key}: unknown key (a rule has "field", "op" and "value")`);
  return problems;
}

/**
 * Checks the shape of `PUT /api/flows/:id`'s body, throwing invalid_flow_definition with each problem's path
 * as `leadport flows apply` reports a file's (zod alone says only "Invalid input" about a rule set).
 */
export function parseFlowDefinitionBody(input: unknown): FlowDefinitionBody {
  const parsed = flowDefinitionBodySchema.safeParse(input);
  if (!parsed.success) throw invalid('flow definition', schemaProblems(input, parsed.error.issues));
  return parsed.data;
}

/**
 * Parses and checks a flow definition: the schema, then the references between its parts (rules and
 * duplicate keys must name fields of the flow, choice fields need choices). Throws one AppError listing
 * every problem, each with its path.
 */
export function parseFlowDefinition(input: unknown, origin = 'flow definition'): FlowSpec {
  const parsed = flowDefinitionSchema.safeParse(input);
  if (!parsed.success) throw invalid(origin, schemaProblems(input, parsed.error.issues));
  const definition = parsed.data;
  const problems: string[] = [];
  const fields: FieldSpec[] = definition.fields.map((field, index) => {
    const standard = standardField(field.name);
    const type = field.type ?? standard?.type ?? 'string';
    const choices: Choice[] = (field.choices ?? []).map((choice) =>
      typeof choice === 'string' ? { value: choice, label: choice } : choice,
    );
    if (type === 'choice' && choices.length === 0)
      problems.push(`fields.${index}.choices: a choice field needs choices`);
    return {
      name: field.name,
      label: field.label ?? standard?.label ?? field.name.replace(/_/g, ' '),
      type,
      required: field.required ?? false,
      aliases: field.aliases ?? [],
      choices,
      custom: standard === undefined,
    };
  });
  const names = new Set<string>();
  fields.forEach((field, index) => {
    if (names.has(field.name)) problems.push(`fields.${index}.name: "${field.name}" is defined twice`);
    names.add(field.name);
  });
  const checkRules = (set: RuleSet | undefined, where: string) => {
    if (!set) return;
    const members: readonly RuleOrSet[] = 'all' in set ? set.all : set.any;
    members.forEach((member, index) => {
      if (isRuleSet(member)) checkRules(member, `${where}.${index}`);
      else if (!names.has(member.field))
        problems.push(`${where}.${index}.field: "${member.field}" is not a field of this flow`);
      else if (member.op.includes('pattern')) {
        const problem = patternProblem(member);
        if (problem) problems.push(`${where}.${index}.value: ${problem}`);
      }
    });
  };
  checkRules(definition.acceptance, 'acceptance');
  for (const [index, source] of definition.sources.entries())
    checkRules(source.acceptance, `sources.${index}.acceptance`);
  for (const name of definition.duplicates?.keys.flat() ?? []) {
    if (!names.has(name)) problems.push(`duplicates.keys: "${name}" is not a field of this flow`);
  }
  for (const name of Object.keys(definition.duplicates?.fields ?? {})) {
    if (!names.has(name)) problems.push(`duplicates.fields.${name}: "${name}" is not a field of this flow`);
  }
  if (definition.duplicates?.fields && definition.duplicates.action === 'reject') {
    problems.push('duplicates.fields: per-field policies apply to the actions update and merge, not reject');
  }
  const sourceIds = new Set<string>();
  definition.sources.forEach((source, index) => {
    if (sourceIds.has(source.id)) problems.push(`sources.${index}.id: "${source.id}" is listed twice`);
    sourceIds.add(source.id);
  });
  if (problems.length > 0) throw invalid(origin, problems);
  return {
    id: definition.id,
    name: definition.name,
    defaultPhoneRegion: definition.defaultPhoneRegion,
    fields,
    acceptance: definition.acceptance,
    duplicates: definition.duplicates && {
      keys: definition.duplicates.keys,
      windowDays: definition.duplicates.windowDays ?? null,
      action: definition.duplicates.action,
      scope: definition.duplicates.scope,
      ...(definition.duplicates.fields ? { fields: definition.duplicates.fields } : {}),
    },
    sources: definition.sources.map((source) => ({
      id: source.id,
      name: source.name ?? source.id,
      acceptance: source.acceptance,
    })),
    webhook: definition.webhook,
  };
}

// Patterns run on RE2 (linear time, see core/rules.ts): a pattern it cannot compile is refused here, naming
// the rule and the engine's reason, rather than failing every lead later.
function patternProblem(rule: Rule): string | undefined {
  try {
    compilePattern(rule.value);
    return undefined;
  } catch (error) {
    // RE2JS quotes the expression with the case-insensitive flag it was given as `(?i)`: not the user's text.
    const why = String((error as Error).message)
      .replace(/^error parsing regexp: /, '')
      .replace('`(?i)', '`');
    return `the pattern ${JSON.stringify(String(rule.value))} of rule "${rule.field} ${rule.op}" cannot be used: ${why} (patterns use RE2 syntax: no backreferences or lookarounds)`;
  }
}

function invalid(origin: string, problems: string[]): AppError {
  return new AppError(
    'invalid_flow_definition',
    `${origin} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    {
      problems,
    },
  );
}
