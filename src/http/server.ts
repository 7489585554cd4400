import closeWithGrace from 'close-with-grace';
import { ensureFirstAdmin } from '../auth/auth.service.js';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { createJobRunner } from '../jobs/create-job-runner.js';
import { deferredJobLog, lineJobLog, type JobLog } from '../jobs/job-log.js';
import { jobHandlers } from '../jobs/job-handlers.js';
import { startMaintenance } from '../maintenance.js';
import { Metrics } from '../metrics.js';
import { createApp, listenUrl } from './app.js';

/**
 * How long a stop request waits for requests in flight before the process exits anyway (code 1): under the
 * 10 s after which `docker stop` sends SIGKILL, so the timeout is ours and logged.
 */
export const SHUTDOWN_TIMEOUT_MS = 8000;

export interface RunningServer {
  /** The public URL (LEADPORT_PUBLIC_URL, else the listen address). */
  readonly url: string;
  /** The first admin's email when this start created it. */
  readonly firstAdmin: string | null;
  /**
   * Stops the server, then runs `after` (closing the store), on SIGINT, SIGTERM, SIGHUP (any termination
   * signal) or an uncaught error, and exits: 0 after a signal, 1 after an error, a second signal, or
   * SHUTDOWN_TIMEOUT_MS without finishing.
   */
  stopOnSignals(after: () => Promise<void>): void;
}

export interface ServeOptions {
  /** Run background jobs in this process too (the embedded default); false for `serve --no-worker`. */
  readonly worker?: boolean;
}

/**
 * Creates the first admin if configured, starts the HTTP server on HOST:PORT and, unless told not to, the
 * job worker (which takes up imports a killed process left behind), and returns its public URL.
 */
export async function startServer(config: Config, store: Store, options: ServeOptions = {}): Promise<RunningServer> {
  const admin = await ensureFirstAdmin(store.db, config);
  const metrics = new Metrics();
  let log = (message: string): void => {
    process.stderr.write(`leadport: ${message}\n`);
  };
  // Job lines go to stderr until the app's logger exists, then through it (with jobId, kind and importId).
  let jobLog: JobLog = lineJobLog((line) => log(line), config.logLevel);
  const jobs = createJobRunner(
    store,
    config,
    deferredJobLog(() => jobLog),
  );
  const app = await createApp({ config, store, jobs, metrics });
  log = (message) => {
    app.log.warn(message);
  };
  jobLog = app.log;
  await app.listen({ host: config.host, port: config.port });
  if (options.worker !== false)
    jobs.work(jobHandlers({ config, store, jobs, metrics, log }), { concurrency: config.workerConcurrency });
  const stopMaintenance = startMaintenance(store, jobs, (error) => app.log.error({ err: error }, 'maintenance failed'));
  // Jobs first: each running import commits its current batch and is given back to the queue; then no new
  // connections, and requests in flight finish.
  const stop = async () => {
    stopMaintenance();
    await jobs.stop();
    await app.close();
  };
  // Shutdown problems are reported even with LOG_LEVEL=silent, as Node reports an uncaught error.
  const report = (message: string, error?: unknown) => {
    if (config.logLevel !== 'silent') app.log.error(error === undefined ? {} : { err: error }, message);
    else
      process.stderr.write(
        `leadport: ${message}${error instanceof Error ? `: ${error.stack ?? error.message}` : ''}\n`,
      );
  };
  return {
    url: config.publicUrl ?? listenUrl(app, config),
    firstAdmin: admin?.email ?? null,
    stopOnSignals(after) {
      closeWithGrace(
        {
          delay: SHUTDOWN_TIMEOUT_MS,
          logger: { error: (error: unknown) => report('shutdown failed', error) },
          onTimeout: (delay) => report(`requests still in flight after ${delay} ms; exiting anyway`),
          onSecondSignal: (signal) => report(`${signal} again while stopping; exiting now`),
          onSecondError: (error) => report('another error while stopping; exiting now', error),
        },
        async ({ signal, err }) => {
          if (err) report('unexpected error; stopping', err);
          else app.log.info(`${signal ?? 'stop requested'}: stopping`);
          await stop();
          await after();
        },
      );
    },
  };
}
