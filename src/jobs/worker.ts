import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { Metrics } from '../metrics.js';
import { createJobRunner } from './create-job-runner.js';
import { jobHandlers } from './job-handlers.js';
import { lineJobLog } from './job-log.js';

/**
 * `leadport worker`: runs jobs until SIGINT/SIGTERM, then drains (each running import commits its current
 * batch and is given back to the queue) and closes the store. With `metricsPort` it serves its Prometheus
 * metrics (the rows its imports committed, the queue, the process) at GET /metrics on HOST:port.
 */
export async function runWorker(
  config: Config,
  store: Store,
  options: { concurrency: number; metricsPort?: number | undefined },
): Promise<void> {
  const log = (message: string) => process.stderr.write(`leadport worker: ${message}\n`);
  const jobs = createJobRunner(store, config, lineJobLog(log, config.logLevel));
  const metrics = options.metricsPort === undefined ? undefined : new Metrics();
  metrics?.watchJobs(() => jobs.counts());
  const scraped = metrics ? await serveMetrics(metrics, config.host, options.metricsPort as number) : undefined;
  jobs.work(jobHandlers({ config, store, jobs, metrics, log }), { concurrency: options.concurrency });
  const where = scraped ? `; metrics at http://${config.host}:${(scraped.address() as AddressInfo).port}/metrics` : '';
  log(`running jobs (concurrency ${options.concurrency}, store: ${store.dialect}${where})`);
  // The runner's poll timer does not hold the process open (so tests and the CLI end); a worker must stay up
  // while it has nothing to do.
  const stayUp = setInterval(() => {}, 60_000);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      log(`${signal}: finishing the current batches`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(stayUp);
  await jobs.stop();
  scraped?.close();
  await store.close();
}

/** A server answering GET /metrics only: a worker has no API, but Prometheus should see its imports. */
async function serveMetrics(metrics: Metrics, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
