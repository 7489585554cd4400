import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiKeyCreatedSchema, apiKeyCreateSchema, apiKeySchema, loginSchema, sessionSchema, userCreateSchema, userSchema } from '../../auth/auth.schema.js';
import { createApiKey, createUser, listApiKeyViews, listUserViews, login, logout, removeUser, revokeKey } from '../../auth/auth.service.js';
import { AppError } from '../../errors.js';
import { findFlowSpec, listFlows } from '../../flows/flow.repository.js';
import { applyFlow } from '../../flows/flow.service.js';
import { sourceSchema, sourceUpdateSchema } from '../../sources/source.schema.js';
import { listSources, upsertSource } from '../../sources/source.service.js';
import { bearerToken, requireAdmin, requirePrincipal } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

const idParams = z.object({ id: z.string() });

/** Sign-in, users, API keys, flows and sources. */
export function adminRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { store } = deps;
  return async (app) => {
    app.post('/api/auth/login', { schema: { tags: ['auth'], summary: 'Sign in as an admin; returns a session token for Authorization: Bearer', body: loginSchema, response: { 200: sessionSchema } } }, async (request) =>
      login(store, request.body.email, request.body.password),
    );
    app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'End the session of the bearer token' } }, async (request, reply) => {
      requirePrincipal(request);
      const token = bearerToken(request);
      if (token) await logout(store, token);
      return reply.code(204).send();
    });

    app.get('/api/users', { schema: { tags: ['users'], response: { 200: z.array(userSchema) } } }, async (request) => {
      requireAdmin(request);
      return listUserViews(store);
    });
    app.post('/api/users', { schema: { tags: ['users'], body: userCreateSchema, response: { 201: userSchema } } }, async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await createUser(store, request.body.email, request.body.password));
    });
    app.delete('/api/users/:id', { schema: { tags: ['users'], params: idParams } }, async (request, reply) => {
      const principal = requireAdmin(request);
      if (principal.kind === 'admin' && principal.userId === request.params.id) throw new AppError('conflict', 'you cannot delete yourself');
      await removeUser(store, request.params.id);
      return reply.code(204).send();
    });

    app.get('/api/keys', { schema: { tags: ['keys'], summary: 'API keys (never their secrets)', response: { 200: z.array(apiKeySchema) } } }, async (request) => {
      requireAdmin(request);
      return listApiKeyViews(store);
    });
    app.post('/api/keys', { schema: { tags: ['keys'], summary: 'Create an admin or source API key; the key is in this response only', body: apiKeyCreateSchema, response: { 201: apiKeyCreatedSchema } } }, async (request, reply) => {
      requireAdmin(request);
      return reply.code(201).send(await createApiKey(store, request.body));
    });
    app.delete('/api/keys/:id', { schema: { tags: ['keys'], summary: 'Revoke an API key', params: idParams } }, async (request, reply) => {
      requireAdmin(request);
      await revokeKey(store, request.params.id);
      return reply.code(204).send();
    });

    app.get('/api/flows', { schema: { tags: ['flows'] } }, async (request) => {
      requireAdmin(request);
      return listFlows(store.db);
    });
    app.get('/api/flows/:id', { schema: { tags: ['flows'], summary: 'A flow as the pipeline sees it (catalogue defaults applied)', params: idParams } }, async (request) => {
      requireAdmin(request);
      const spec = await findFlowSpec(store.db, request.params.id);
      if (!spec) throw new AppError('flow_not_found', `unknown flow "${request.params.id}"`);
      return spec;
    });
    app.put('/api/flows/:id', { schema: { tags: ['flows'], summary: 'Create or update a flow from its definition (the flows-as-code JSON)', params: idParams, body: z.record(z.string(), z.unknown()) } }, async (request) => {
      requireAdmin(request);
      if (request.body.id !== undefined && request.body.id !== request.params.id) {
        throw new AppError('validation_failed', `the body's id "${String(request.body.id)}" does not match the URL's "${request.params.id}"`, { field: 'id' });
      }
      const result = await applyFlow(store, { ...request.body, id: request.params.id }, 'flow definition');
      deps.flows.invalidate(result.id);
      return { id: result.id, result: result.result, flow: result.flow };
    });

    app.get('/api/sources', { schema: { tags: ['sources'], response: { 200: z.array(sourceSchema) } } }, async (request) => listSources(store, requirePrincipal(request)));
    app.put('/api/sources/:id', { schema: { tags: ['sources'], params: idParams, body: sourceUpdateSchema } }, async (request) => {
      requireAdmin(request);
      return upsertSource(store, request.params.id, request.body.name);
    });
  };
}
