import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { ApiEnv } from './context.js';

/** Probes would make a trace every few seconds and say nothing. */
const UNTRACED = new Set(['/healthz', '/readyz']);

/**
 * One server span per request, named by its route pattern (`POST /orders`, `GET /orders/:orderId`),
 * continuing the caller's W3C trace context. Its attributes leave out the URL itself: query
 * strings carry search terms, and the local Web UI's codec path is a secret (`redact`).
 */
export const traceRequests = (redact: (path: string) => string = (path) => path) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    if (UNTRACED.has(c.req.path)) return next();
    const parent = propagation.extract(context.active(), c.req.header());
    const tracer = trace.getTracer('orderflow-api');
    await tracer.startActiveSpan(c.req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method } }, parent, async (span) => {
      try {
        await next();
      } finally {
        // The last route matched is the handler's (or the 404's catch-all).
        const route = redact(routePath(c, -1));
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status });
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
  });
