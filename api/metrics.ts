import { createMiddleware } from 'hono/factory';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ApiEnv } from './context.js';

/** Prometheus metrics of one API process: HTTP traffic by route pattern, plus Node's own. */
export function createApiMetrics(redact: (path: string) => string = (path) => path) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'api' });
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  const middleware = createMiddleware<ApiEnv>(async (c, next) => {
    const stop = duration.startTimer();
    await next();
    // The route pattern, not the path: order IDs must not become label values.
    const route = redact(c.req.routePath);
    stop({ method: c.req.method, route });
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
  });

  return { registry, middleware };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
