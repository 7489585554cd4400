import type { Principal } from '../auth/auth.service.js';
import type { FieldType } from '../core/field-types.js';
import type { FlowSpec } from '../core/flow-spec.js';
import { describeFailure, isRuleSet, type RuleOrSet, type RuleSet } from '../core/rules.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireFlow, requireSource } from '../flows/flow.service.js';
import type { SourceName, SourceView, SubmissionDocs } from './source.schema.js';

/** Sources with the flows they are attached to; a source sees only itself. */
export async function listSources(db: Kysely<DB>, principal: Principal): Promise<SourceView[]> {
  let query = db.selectFrom('sources').select(['id', 'name']).orderBy('id');
  if (principal.kind === 'source') query = query.where('id', '=', principal.sourceId);
  const sources = await query.execute();
  const links = await db.selectFrom('flow_sources').select(['flow_id', 'source_id']).execute();
  return sources.map((source) => ({
    ...source,
    flows: links.filter((link) => link.source_id === source.id).map((link) => link.flow_id),
  }));
}

/** Creates or renames a source. */
export async function upsertSource(db: Kysely<DB>, id: string, name: string): Promise<SourceName> {
  await db
    .insertInto('sources')
    .values({ id, name, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ name }))
    .execute();
  return { id, name };
}

const EXAMPLES: Record<FieldType, string> = {
  string: 'Text',
  email: 'jane.doe@example.com',
  phone: '(512) 555-0143',
  postal_code: '78701',
  state: 'TX',
  country: 'US',
  date: '1985-03-14',
  number: '42',
  boolean: 'yes',
  choice: '',
  url: 'https://example.com',
};

function rulesInWords(set: RuleSet | undefined): string[] {
  if (!set) return [];
  const members: readonly RuleOrSet[] = 'all' in set ? set.all : set.any;
  const words = members.map((member) => {
    if (isRuleSet(member)) return rulesInWords(member).join(' and ');
    if (member.op === 'format is valid') return `${member.field} must be valid`;
    if (member.op === 'is not blank') return `${member.field} must not be blank`;
    return describeFailure(member);
  });
  return 'all' in set ? words : [words.join(', or ')];
}

/** The submission docs page data: the flow's fields, its criteria, and a ready example request. */
export async function submissionDocs(
  db: Kysely<DB>,
  principal: Principal,
  flowId: string,
  sourceId: string,
  baseUrl: string,
): Promise<SubmissionDocs> {
  if (principal.kind === 'source' && principal.sourceId !== sourceId)
    throw new AppError('not_found', `no source "${sourceId}" on flow "${flowId}"`);
  const flow: FlowSpec = await requireFlow(db, flowId);
  requireSource(flow, sourceId);
  const source = flow.sources.find((candidate) => candidate.id === sourceId);
  const body: Record<string, string> = {};
  for (const field of flow.fields)
    body[field.name] =
      field.type === 'choice'
        ? (field.choices[0]?.value ?? '')
        : field.name === 'first_name'
          ? 'Jane'
          : field.name === 'last_name'
            ? 'Doe'
            : EXAMPLES[field.type];
  const submitUrl = `${baseUrl}/flows/${encodeURIComponent(flowId)}/sources/${encodeURIComponent(sourceId)}/submit`;
  const curl = [
    `curl -X POST '${submitUrl}'`,
    `  -H 'Authorization: Bearer <your API key>'`,
    `  -H 'Content-Type: application/json'`,
    `  -d '${JSON.stringify(body).replace(/'/g, "'\\''")}'`,
  ].join(' \\\n');
  return {
    flow: { id: flow.id, name: flow.name },
    source: { id: sourceId, name: source?.name ?? sourceId },
    submitUrl,
    contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
    fields: flow.fields.map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      required: field.required,
      ...(field.type === 'choice' ? { choices: field.choices.map((choice) => choice.value) } : {}),
    })),
    acceptance: [...rulesInWords(flow.acceptance), ...rulesInWords(source?.acceptance)],
    example: { body, curl },
  };
}
