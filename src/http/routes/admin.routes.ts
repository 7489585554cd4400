import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeyCreatedSchema,
  apiKeyCreateSchema,
  apiKeySchema,
  loginSchema,
  sessionSchema,
  userCreateSchema,
  userSchema,
} from '../../auth/auth.schema.js';
import {
  createApiKey,
  createUser,
  listApiKeyViews,
  listUserViews,
  logout,
  removeUser,
  revokeKey,
  signIn,
} from '../../auth/auth.service.js';
import {
  flowApplyResultSchema,
  flowDefinitionBodySchema,
  flowSchema,
  flowSummarySchema,
  parseFlowDefinitionBody,
} from '../../flows/flow.schema.js';
import { listFlowSummaries, putFlow, requireFlow } from '../../flows/flow.service.js';
import { sourceIdSchema, sourceNameSchema, sourceSchema, sourceUpdateSchema } from '../../sources/source.schema.js';
import { listSources, upsertSource } from '../../sources/source.service.js';
import { bearerToken, principalOf } from '../auth-context.js';
import { noContentSchema, type RouteDeps } from './deps.js';

const idParams = z.object({ id: z.string() });

// PUT /api/flows/:id checks its body as `leadport flows apply` checks a file, so a bad definition is answered
// invalid_flow_definition with every problem and its path, as the CLI prints them.
const flowBodyValidation: FastifySchemaCompiler<unknown> = (route) => {
  if (route.httpPart !== 'body') return validatorCompiler({ ...route, schema: route.schema as z.ZodType });
  return (body) => {
    try {
      return { value: parseFlowDefinitionBody(body) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

/** Sign-in, users, API keys, flows and sources. */
export function adminRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    app.post(
      '/api/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Sign in as an admin; returns a session token for Authorization: Bearer',
          body: loginSchema,
          response: { 200: sessionSchema },
        },
      },
      async (request) => signIn(db, deps.throttle, request.ip, request.body.email, request.body.password),
    );
    app.post(
      '/api/auth/logout',
      {
        config: { access: 'source' },
        schema: { tags: ['auth'], summary: 'End the session of the bearer token', response: { 204: noContentSchema } },
      },
      async (request, reply) => {
        const token = bearerToken(request);
        if (token) await logout(db, token);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/users',
      { config: { access: 'admin' }, schema: { tags: ['users'], response: { 200: z.array(userSchema) } } },
      async () => listUserViews(db),
    );
    app.post(
      '/api/users',
      {
        config: { access: 'admin' },
        schema: { tags: ['users'], body: userCreateSchema, response: { 201: userSchema } },
      },
      async (request, reply) => {
        return reply.code(201).send(await createUser(db, request.body.email, request.body.password));
      },
    );
    app.delete(
      '/api/users/:id',
      {
        config: { access: 'admin' },
        schema: { tags: ['users'], params: idParams, response: { 204: noContentSchema } },
      },
      async (request, reply) => {
        await removeUser(db, principalOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/keys',
      {
        config: { access: 'admin' },
        schema: { tags: ['keys'], summary: 'API keys (never their secrets)', response: { 200: z.array(apiKeySchema) } },
      },
      async () => listApiKeyViews(db),
    );
    app.post(
      '/api/keys',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['keys'],
          summary: 'Create an admin or source API key; the key is in this response only',
          body: apiKeyCreateSchema,
          response: { 201: apiKeyCreatedSchema },
        },
      },
      async (request, reply) => {
        return reply.code(201).send(await createApiKey(db, request.body));
      },
    );
    app.delete(
      '/api/keys/:id',
      {
        config: { access: 'admin' },
        schema: { tags: ['keys'], summary: 'Revoke an API key', params: idParams, response: { 204: noContentSchema } },
      },
      async (request, reply) => {
        await revokeKey(db, request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/flows',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary: 'Flows with their field counts and sources',
          response: { 200: z.array(flowSummarySchema) },
        },
      },
      async () => listFlowSummaries(db),
    );
    app.get(
      '/api/flows/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary: 'A flow as the pipeline sees it (catalogue defaults applied)',
          params: idParams,
          response: { 200: flowSchema },
        },
      },
      async (request) => requireFlow(db, request.params.id),
    );
    app.put(
      '/api/flows/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['flows'],
          summary:
            "Create or update a flow from its definition (the flows-as-code JSON; its id, if given, must be the URL's)",
          params: idParams,
          body: flowDefinitionBodySchema,
          response: { 200: flowApplyResultSchema },
        },
        validatorCompiler: flowBodyValidation,
      },
      async (request) => {
        const applied = await putFlow(db, request.params.id, request.body);
        deps.flows.invalidate(applied.id);
        return applied;
      },
    );

    app.get(
      '/api/sources',
      { config: { access: 'source' }, schema: { tags: ['sources'], response: { 200: z.array(sourceSchema) } } },
      async (request) => listSources(db, principalOf(request)),
    );
    app.put(
      '/api/sources/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sources'],
          summary: 'Create or rename a source',
          params: z.object({ id: sourceIdSchema }),
          body: sourceUpdateSchema,
          response: { 200: sourceNameSchema },
        },
      },
      async (request) => upsertSource(db, request.params.id, request.body.name),
    );
  };
}
