import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/logger.js';

/**
 * Prometheus' scrape endpoint on a listener of its own (loopback by default), so that the
 * public API port never tells the world our versions and traffic.
 */
export function startMetricsServer(registry: Registry, address: string, log: Logger, setting = 'API_METRICS_ADDRESS'): Server {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (error: unknown) => {
        log.error({ err: error }, 'metrics collection failed');
        response.writeHead(500).end();
      },
    );
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    log.fatal({ err: error }, `${setting} ${address}: cannot listen (${error.code ?? error.message})`);
    process.exit(1);
  });
  server.listen(port, host, () => log.info({ url: `http://${address}/metrics` }, 'metrics listening'));
  return server;
}
