import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { importView } from '../../imports/import-query.service.js';
import { importParamsSchema, importSchema } from '../../imports/import.schema.js';
import { requestRevert } from '../../imports/revert.service.js';
import { principalOf } from '../auth-context.js';
import type { RouteDeps } from './deps.js';

/** Reverting an import: a background job, asked for once (asking again answers with where it is). */
export function importRevertRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    app.post(
      '/api/imports/:id/revert',
      {
        config: { access: 'source' },
        schema: {
          tags: ['imports'],
          summary:
            'Revert in the background (202): delete the leads the import created, restore those it updated; leads changed since are left and listed as conflicts. 200 with the result once reverted',
          params: importParamsSchema,
          response: { 200: importSchema, 202: importSchema },
        },
      },
      async (request, reply) => {
        const { row, started } = await requestRevert(db, deps.jobs, principalOf(request), request.params.id);
        return reply.code(started ? 202 : 200).send(importView(row));
      },
    );
  };
}
