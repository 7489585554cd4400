import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notificationListQuerySchema, notificationListSchema } from '../../notifications/notification.schema.js';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
} from '../../notifications/notification.service.js';
import { principalOf } from '../auth-context.js';
import { noContentSchema, type RouteDeps } from './deps.js';

/** In-app notifications (an import that ended): list, mark one read, mark all read. */
export function notificationRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { db } = deps.store;
  return async (app) => {
    app.get(
      '/api/notifications',
      {
        config: { access: 'source' },
        schema: {
          tags: ['notifications'],
          summary: "The caller's notifications, newest first, and how many are unread",
          querystring: notificationListQuerySchema,
          response: { 200: notificationListSchema },
        },
      },
      async (request) => listNotifications(db, principalOf(request), request.query),
    );
    app.post(
      '/api/notifications/:id/read',
      {
        config: { access: 'source' },
        schema: {
          tags: ['notifications'],
          summary: 'Mark a notification read',
          params: z.object({ id: z.string() }),
          response: { 204: noContentSchema },
        },
      },
      async (request, reply) => {
        await markNotificationRead(db, principalOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/notifications/read',
      {
        config: { access: 'source' },
        schema: {
          tags: ['notifications'],
          summary: 'Mark all notifications read',
          response: { 200: z.object({ marked: z.number() }) },
        },
      },
      async (request) => ({ marked: await markAllNotificationsRead(db, principalOf(request)) }),
    );
  };
}
