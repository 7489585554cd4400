import { z } from 'zod';

export const notificationSchema = z.object({
  id: z.string(),
  kind: z.string().describe('import_finished'),
  importId: z.string().nullable(),
  flowId: z.string().nullable(),
  sourceId: z.string().nullable(),
  status: z.string().describe("the import's final state"),
  message: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type NotificationView = z.infer<typeof notificationSchema>;

export const notificationListQuerySchema = z.object({
  unread: z.stringbool().optional().describe('only notifications not marked read'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type NotificationListQuery = z.infer<typeof notificationListQuerySchema>;

export const notificationListSchema = z.object({ items: z.array(notificationSchema), unread: z.number() });
