import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { createApp } from './app.js';

/** Starts the HTTP server on HOST:PORT and returns its URL and a function that stops it. */
export async function startServer(config: Config, store: Store): Promise<{ url: string; stop: () => Promise<void> }> {
  const app = await createApp({ config, store });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { url: `http://${host}:${port}`, stop: () => app.close() };
}
