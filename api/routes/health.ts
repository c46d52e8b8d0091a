import { createRoute, z } from '@hono/zod-openapi';
import type { ApiDeps } from '../context.js';
import { createRouter } from '../router.js';
import { PUBLIC_OPERATION, jsonContent } from '../responses.js';
import { ErrorSchema } from '../schemas.js';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}

const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
  })
  .openapi('Readiness');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'liveness',
  tags: ['operations'],
  summary: 'The process is alive',
  security: [],
  responses: { 200: jsonContent(z.object({ status: z.literal('ok') }).openapi('Liveness'), 'Alive'), ...PUBLIC_OPERATION },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readiness',
  tags: ['operations'],
  summary: 'Temporal and PostgreSQL are reachable',
  security: [],
  responses: {
    200: jsonContent(ReadinessSchema, 'Ready'),
    ...PUBLIC_OPERATION,
    // The checks' verdict, or (with a token sent while the identity provider is out of reach) the error shape.
    503: jsonContent(z.union([ReadinessSchema, ErrorSchema]), 'A dependency is unreachable (which check failed)', 'RetryAfterHint'),
  },
});

export function healthRoutes({ temporal, databaseChecks, log }: ApiDeps) {
  const checks: Record<string, () => Promise<unknown>> = {
    temporal: () => temporal.connection.workflowService.getSystemInfo({}),
    ...databaseChecks,
  };

  return createRouter()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, async (c) => {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), CHECK_TIMEOUT_MS);
            return [name, { ok: true }] as const;
          } catch (error) {
            // Which check failed is public; why (hosts, roles, messages) goes to the log only.
            log.warn({ err: error, check: name }, 'readiness check failed');
            return [name, { ok: false, error: 'unreachable' }] as const;
          }
        }),
      );
      const ready = results.every(([, result]) => result.ok);
      return c.json({ status: ready ? ('ready' as const) : ('unavailable' as const), checks: Object.fromEntries(results) }, ready ? 200 : 503);
    });
}
