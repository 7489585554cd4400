import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiKeyCreatedSchema, apiKeyCreateSchema, apiKeySchema, loginSchema, sessionSchema, userCreateSchema, userSchema } from '../../auth/auth.schema.js';
import { createApiKey, createUser, listApiKeyViews, listUserViews, logout, removeUser, revokeKey, signIn } from '../../auth/auth.service.js';
import { AppError } from '../../errors.js';
import { findFlowSpec, listFlows } from '../../flows/flow.repository.js';
import { applyFlow } from '../../flows/flow.service.js';
import { sourceIdSchema, sourceSchema, sourceUpdateSchema } from '../../sources/source.schema.js';
import { listSources, upsertSource } from '../../sources/source.service.js';
import { bearerToken, principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

const idParams = z.object({ id: z.string() });

/** Sign-in, users, API keys, flows and sources. */
export function adminRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { store } = deps;
  return async (app) => {
    app.post(
      '/api/auth/login',
      { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Sign in as an admin; returns a session token for Authorization: Bearer', body: loginSchema, response: { 200: sessionSchema } } },
      async (request) => signIn(store, deps.throttle, request.ip, request.body.email, request.body.password),
    );
    app.post('/api/auth/logout', { config: { access: 'source' }, schema: { tags: ['auth'], summary: 'End the session of the bearer token' } }, async (request, reply) => {
      const token = bearerToken(request);
      if (token) await logout(store, token);
      return reply.code(204).send();
    });

    app.get('/api/users', { config: { access: 'admin' }, schema: { tags: ['users'], response: { 200: z.array(userSchema) } } }, async () => listUserViews(store));
    app.post('/api/users', { config: { access: 'admin' }, schema: { tags: ['users'], body: userCreateSchema, response: { 201: userSchema } } }, async (request, reply) => {
      return reply.code(201).send(await createUser(store, request.body.email, request.body.password));
    });
    app.delete('/api/users/:id', { config: { access: 'admin' }, schema: { tags: ['users'], params: idParams } }, async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'admin' && principal.userId === request.params.id) throw new AppError('conflict', 'you cannot delete yourself');
      await removeUser(store, request.params.id);
      return reply.code(204).send();
    });

    app.get('/api/keys', { config: { access: 'admin' }, schema: { tags: ['keys'], summary: 'API keys (never their secrets)', response: { 200: z.array(apiKeySchema) } } }, async () => listApiKeyViews(store));
    app.post('/api/keys', { config: { access: 'admin' }, schema: { tags: ['keys'], summary: 'Create an admin or source API key; the key is in this response only', body: apiKeyCreateSchema, response: { 201: apiKeyCreatedSchema } } }, async (request, reply) => {
      return reply.code(201).send(await createApiKey(store, request.body));
    });
    app.delete('/api/keys/:id', { config: { access: 'admin' }, schema: { tags: ['keys'], summary: 'Revoke an API key', params: idParams } }, async (request, reply) => {
      await revokeKey(store, request.params.id);
      return reply.code(204).send();
    });

    app.get('/api/flows', { config: { access: 'admin' }, schema: { tags: ['flows'] } }, async () => listFlows(store.db));
    app.get('/api/flows/:id', { config: { access: 'admin' }, schema: { tags: ['flows'], summary: 'A flow as the pipeline sees it (catalogue defaults applied)', params: idParams } }, async (request) => {
      const spec = await findFlowSpec(store.db, request.params.id);
      if (!spec) throw new AppError('flow_not_found', `unknown flow "${request.params.id}"`);
      return spec;
    });
    app.put('/api/flows/:id', { config: { access: 'admin' }, schema: { tags: ['flows'], summary: 'Create or update a flow from its definition (the flows-as-code JSON)', params: idParams, body: z.record(z.string(), z.unknown()) } }, async (request) => {
      if (request.body.id !== undefined && request.body.id !== request.params.id) {
        throw new AppError('validation_failed', `the body's id "${String(request.body.id)}" does not match the URL's "${request.params.id}"`, { field: 'id' });
      }
      const result = await applyFlow(store, { ...request.body, id: request.params.id }, 'flow definition');
      deps.flows.invalidate(result.id);
      return { id: result.id, result: result.result, flow: result.flow };
    });

    app.get('/api/sources', { config: { access: 'source' }, schema: { tags: ['sources'], response: { 200: z.array(sourceSchema) } } }, async (request) => listSources(store, principalOf(request)));
    app.put('/api/sources/:id', { config: { access: 'admin' }, schema: { tags: ['sources'], params: z.object({ id: sourceIdSchema }), body: sourceUpdateSchema } }, async (request) =>
      upsertSource(store, request.params.id, request.body.name),
    );
  };
}
