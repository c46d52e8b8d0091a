import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';

export interface ObservabilityOptions {
  /** host:port to listen on (WORKER_METRICS_ADDRESS). */
  address: string;
  /** Business metrics of this worker. */
  registry: Registry;
  /** Where the Temporal SDK serves its own Prometheus metrics inside this process (loopback). */
  sdkMetricsUrl: string;
  /** Readiness checks by name; each rejects when its dependency is out of reach. */
  checks: Record<string, () => Promise<unknown>>;
  log: Logger;
}

const CHECK_TIMEOUT_MS = 2_000;
const withTimeout = <T>(promise: Promise<T>) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref())]);

const json = (body: unknown) => JSON.stringify(body);

/**
 * One port per worker process for whoever operates it: `/metrics` (the business metrics and the
 * Temporal SDK's, in one scrape), `/healthz` (alive) and `/readyz` (Temporal and the service's
 * schema reachable: 503 naming the failed check).
 */
export function startObservabilityServer({ address, registry, sdkMetricsUrl, checks, log }: ObservabilityOptions): Server {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));

  const metrics = async () => {
    const sdk = await fetch(sdkMetricsUrl)
      .then((response) => response.text())
      .catch((error: unknown) => {
        log.warn({ err: error }, 'Temporal SDK metrics unavailable');
        return '';
      });
    return `${await registry.metrics()}\n${sdk}`;
  };
  const readiness = async () => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check());
          return [name, { ok: true }] as const;
        } catch (error) {
          log.warn({ err: error, check: name }, 'readiness check failed');
          return [name, { ok: false, error: 'unreachable' }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.ok);
    return { ready, body: { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) } };
  };

  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    const answer = (status: number, type: string, body: string) => response.writeHead(status, { 'Content-Type': type }).end(body);
    const route =
      request.method !== 'GET'
        ? Promise.resolve(answer(405, 'text/plain', 'Method not allowed\n'))
        : path === '/metrics'
          ? metrics().then((text) => answer(200, registry.contentType, text))
          : path === '/healthz'
            ? Promise.resolve(answer(200, 'application/json', json({ status: 'ok' })))
            : path === '/readyz'
              ? readiness().then(({ ready, body }) => answer(ready ? 200 : 503, 'application/json', json(body)))
              : Promise.resolve(answer(404, 'text/plain', 'Not found\n'));
    route.catch((error: unknown) => {
      log.error({ err: error, path }, 'observability endpoint failed');
      if (!response.headersSent) answer(500, 'text/plain', 'Internal error\n');
    });
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    log.fatal({ err: error }, `WORKER_METRICS_ADDRESS ${address}: cannot listen (${error.code ?? error.message})`);
    process.exit(1);
  });
  server.listen(port, host, () => log.info({ url: `http://${address}` }, 'metrics and health listening'));
  return server;
}
