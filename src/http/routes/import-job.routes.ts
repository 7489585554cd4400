import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findImport } from '../../imports/import.repository.js';
import { cancelImport, startImport, validateImport } from '../../imports/import-job.service.js';
import { importView, visibleImport } from '../../imports/import-query.service.js';
import { importParamsSchema, importSchema, type ImportView } from '../../imports/import.schema.js';
import { ENDED_STATES, type ImportState } from '../../imports/import-state.js';
import { principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

// How often a progress stream reads the import (it may run in another process), and sends a comment line
// when nothing changed so proxies keep the connection open.
const PROGRESS_POLL_MS = 500;
const KEEP_ALIVE_MS = 15_000;

/** Whether no job will change the import's figures any more (until someone starts or validates it). */
function settled(view: ImportView): boolean {
  if (view.revert?.status === 'running') return false;
  if (ENDED_STATES.includes(view.status as ImportState)) return true;
  return view.status === 'uploaded' && view.validation?.status !== 'running';
}

/** Starting, validating, cancelling an import, and its progress as server-sent events. */
export function importJobRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    const streams = new Set<() => void>();
    // Open progress streams end when the server stops, so they do not hold its shutdown.
    app.addHook('preClose', async () => {
      for (const end of streams) end();
    });

    app.post(
      '/api/imports/:id/start',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'Start the import in the background (202); closing the client changes nothing',
          params: importParamsSchema,
          response: { 202: importSchema },
        },
      },
      async (request, reply) => {
        const row = await startImport(db, deps.jobs, principalOf(request), request.params.id);
        return reply.code(202).send(importView(row));
      },
    );
    app.post(
      '/api/imports/:id/validate',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'Dry-run the whole file in the background (202): would-be outcomes and every failing row',
          params: importParamsSchema,
          response: { 202: importSchema },
        },
      },
      async (request, reply) => {
        const row = await validateImport(db, deps.jobs, principalOf(request), request.params.id);
        return reply.code(202).send(importView(row));
      },
    );
    app.post(
      '/api/imports/:id/cancel',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary: 'Cancel: at once if not running, else after the current batch (what was committed stays)',
          params: importParamsSchema,
          response: { 200: importSchema },
        },
      },
      async (request) => importView(await cancelImport(db, principalOf(request), request.params.id)),
    );
    app.get(
      '/api/imports/:id/progress',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary:
            'Server-sent events: `progress` with the import (counts, rows/s, ETA, validation) as it changes, then `end` with its final state',
          params: importParamsSchema,
        },
      },
      async (request, reply) => {
        // Checked before the stream starts, so a refusal is an ordinary error answer.
        let row = await visibleImport(db, principalOf(request), request.params.id);
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let open = true;
        const end = () => {
          open = false;
        };
        streams.add(end);
        request.raw.on('close', end);
        let last = '';
        let quietSince = Date.now();
        try {
          while (open) {
            const view = importView(row);
            const data = JSON.stringify(view);
            if (settled(view)) {
              out.write(`event: end\ndata: ${data}\n\n`);
              break;
            }
            if (data !== last) {
              out.write(`event: progress\ndata: ${data}\n\n`);
              last = data;
              quietSince = Date.now();
            } else if (Date.now() - quietSince > KEEP_ALIVE_MS) {
              out.write(': still running\n\n');
              quietSince = Date.now();
            }
            await delay(PROGRESS_POLL_MS);
            const next = await findImport(db, row.id);
            if (!next) break;
            row = next;
          }
        } finally {
          streams.delete(end);
          out.end();
        }
      },
    );
  };
}
