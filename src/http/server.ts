import { ensureFirstAdmin } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { startMaintenance } from '../maintenance.js';
import { createApp, listenUrl } from './app.js';

/** Creates the first admin if configured, starts the HTTP server on HOST:PORT, and returns its public URL. */
export async function startServer(config: Config, store: Store): Promise<{ url: string; firstAdmin: string | null; stop: () => Promise<void> }> {
  const admin = await ensureFirstAdmin(store, config);
  const app = await createApp({ config, store });
  await app.listen({ host: config.host, port: config.port });
  const stopMaintenance = startMaintenance(store, (error) => app.log.error({ err: error }, 'maintenance failed'));
  return { url: config.publicUrl ?? listenUrl(app, config), firstAdmin: admin?.email ?? null, stop: async () => {
      stopMaintenance();
      await app.close();
    },
  };
}
