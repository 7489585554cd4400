import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Access } from '../auth-context.js';
import { notFoundHandler } from '../errors.js';

// The web app's client-side routes (its router is in web/src/app.tsx): a reload or a shared link there gets
// index.html. Any other path stays the server's, so an unknown URL is still a 404 in the API's error shape.
const CLIENT_SECTIONS = [
  'sign-in',
  'leads',
  'imports',
  'jobs',
  'report',
  'flows',
  'sources',
  'templates',
  'notifications',
];
const CLIENT_ROUTES = ['/', ...CLIENT_SECTIONS.flatMap((section) => [`/${section}`, `/${section}/*`])];
// The one server route under a client section: real-time submission (POST; a GET there is no page).
const SUBMIT_PATH = /^\/flows\/[^/]+\/sources\/[^/]+\/submit\/?$/;

/** The built web app (vite writes it to dist/web), found from this file in src/ or in dist/src/. */
export function webAppDirectory(from = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

const NOT_BUILT_PAGE =
  '<!doctype html><html lang="en"><title>Leadport</title><h1>Leadport</h1><p>The web app is not built: run <code>npm run build</code> (npm install does it too). The API is documented at <a href="/docs">/docs</a>.</p></html>';

/**
 * The web app: its hashed assets (cached for good: a new build has new names) and, at each of its
 * client-side routes, its index.html.
 */
export function webRoutes(root = webAppDirectory()): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' satisfies Access };
    });
    const built = existsSync(path.join(root, 'index.html'));
    if (built)
      await app.register(fastifyStatic, {
        root,
        wildcard: false,
        index: false,
        setHeaders: (reply, file) => {
          const immutable = file.includes(`${path.sep}assets${path.sep}`);
          reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    for (const url of CLIENT_ROUTES)
      app.get(url, { schema: { hide: true } }, async (request, reply) => {
        if (SUBMIT_PATH.test(request.url.split('?')[0] ?? '')) return notFoundHandler(request, reply);
        reply.header('cache-control', 'no-cache');
        if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
        return reply.sendFile('index.html');
      });
  };
}
