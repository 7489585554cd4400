import type { FastifyReply, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeyCreatedSchema,
  apiKeyCreateSchema,
  apiKeySchema,
  loginSchema,
  sessionSchema,
  signInLinkSchema,
  sourceLoginSchema,
  sourceSessionSchema,
  userCreateSchema,
  userSchema,
  whoAmISchema,
} from '../../auth/auth.schema.js';
import {
  createApiKey,
  createSignInLink,
  createUser,
  describePrincipal,
  listApiKeyViews,
  listUserViews,
  logout,
  removeUser,
  revokeKey,
  signIn,
  signInSource,
  useSignInLink,
} from '../../auth/auth.service.js';
import { clearedSessionCookies, sessionCookies } from '../../auth/session-cookies.js';
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
import { bearerToken, principalOf, sessionCookieToken } from '../auth-context.js';
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
    // Browser sessions: the token in the body is for API clients; the browser keeps the HttpOnly cookie.
    const secureCookies = () => deps.publicUrl().startsWith('https:');
    const startBrowserSession = (reply: FastifyReply, session: { token: string; expiresAt: string }) =>
      reply.header('set-cookie', sessionCookies(session.token, session.expiresAt, secureCookies()));
    app.post(
      '/api/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary:
            'Sign in as an admin; returns a session token for Authorization: Bearer and sets the browser session cookie',
          body: loginSchema,
          response: { 200: sessionSchema },
        },
      },
      async (request, reply) => {
        const session = await signIn(db, deps.throttle, request.ip, request.body.email, request.body.password);
        startBrowserSession(reply, session);
        return session;
      },
    );
    app.post(
      '/api/auth/source-login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: "Sign in to the web app as a source, with one of the source's API keys",
          body: sourceLoginSchema,
          response: { 200: sourceSessionSchema },
        },
      },
      async (request, reply) => {
        const session = await signInSource(db, deps.throttle, request.ip, request.body.apiKey);
        startBrowserSession(reply, session);
        return session;
      },
    );
    app.post(
      '/api/auth/sign-in-links/:token',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Use a one-time sign-in link: a browser session for its source',
          params: z.object({ token: z.string() }),
          response: { 200: sourceSessionSchema },
        },
      },
      async (request, reply) => {
        const session = await useSignInLink(db, deps.throttle, request.ip, request.params.token);
        startBrowserSession(reply, session);
        return session;
      },
    );
    app.post(
      '/api/sources/:id/sign-in-links',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sources'],
          summary: 'Make a one-time sign-in link (valid for a day) for a source to open the web app',
          params: idParams,
          response: { 201: signInLinkSchema },
        },
      },
      async (request, reply) => {
        const link = await createSignInLink(db, request.params.id);
        const url = `${deps.publicUrl()}/sign-in/${encodeURIComponent(link.token)}`;
        return reply.code(201).send({ url, sourceId: link.sourceId, expiresAt: link.expiresAt });
      },
    );
    app.get(
      '/api/auth/session',
      {
        config: { access: 'source' },
        schema: { tags: ['auth'], summary: 'Who is signed in', response: { 200: whoAmISchema } },
      },
      async (request) => describePrincipal(db, principalOf(request)),
    );
    app.post(
      '/api/auth/logout',
      {
        config: { access: 'source' },
        schema: {
          tags: ['auth'],
          summary: 'End the session of the bearer token or the browser session cookie',
          response: { 204: noContentSchema },
        },
      },
      async (request, reply) => {
        const token = bearerToken(request) ?? sessionCookieToken(request);
        if (token) await logout(db, token);
        return reply.header('set-cookie', clearedSessionCookies(secureCookies())).code(204).send();
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
