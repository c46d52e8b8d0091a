import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate } from './auth.js';
import type { ApiDeps, ApiEnv } from './context.js';
import { docsHandlers } from './docs.js';
import { ApiError, errorBody, handleError } from './errors.js';
import { publishDocument } from './openapi.js';
import { createRouter } from './router.js';
import { codecRoutes } from './routes/codec.js';
import { fulfilmentRoutes } from './routes/fulfilment.js';
import { healthRoutes } from './routes/health.js';
import { inventoryRoutes } from './routes/inventory.js';
import { orderEventRoutes } from './routes/order-events.js';
import { orderRoutes } from './routes/orders.js';
import { productRoutes } from './routes/products.js';
import { webhookRoutes } from './routes/webhooks.js';
import { traceRequests } from './tracing.js';

/** The local Web UI's codec path is a secret: it never goes into a log line or a span. */
export const redactLocalCodecPath = (localPath: string | undefined) => (path: string) =>
  localPath ? path.replace(`/codec/${localPath}`, '/codec/<local>') : path;

/** Machine traffic: probes, and the Web UI's codec calls (one per payload shown). */
const isMachineTraffic = (path: string) => path === '/healthz' || path === '/readyz' || path.startsWith('/codec/');

/**
 * Logs one line per request, with a request ID that also goes back in X-Request-Id, and the IDs
 * the route resolved (orderId). Machine traffic is logged at DEBUG unless it fails on our side.
 */
const requestLogging = (deps: ApiDeps, redact: (path: string) => string) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const log = deps.log.child({ requestId: c.get('requestId') });
    c.set('log', log);
    const started = performance.now();
    await next();
    const level = isMachineTraffic(c.req.path) && c.res.status < 500 ? 'debug' : 'info';
    log[level](
      {
        method: c.req.method,
        path: redact(c.req.path),
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
        user: c.get('principal')?.sub,
        orderId: c.get('orderId'),
      },
      'request',
    );
  });

/** Bodies must be JSON; anything else is a 415 before validation sees it. */
const requireJsonBody = createMiddleware<ApiEnv>(async (c, next) => {
  const length = c.req.header('content-length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
  if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
  }
  await next();
});

/** Personal data (orders, decoded payloads, anything answered to a token) is never kept by a cache. */
const noStoreForPersonalData = createMiddleware<ApiEnv>(async (c, next) => {
  await next();
  if (c.req.header('authorization') !== undefined || /^\/(orders|codec)(\/|$)/.test(c.req.path)) {
    c.header('Cache-Control', 'no-store');
  }
});

export function createApp(deps: ApiDeps) {
  const app = createRouter();
  const redact = redactLocalCodecPath(deps.codec.localPath);
  app.use('*', requestId({ headerName: 'X-Request-Id' }));
  // Before the request log, so that its line carries the request's trace.
  app.use('*', traceRequests(redact));
  // JSON needs no content policy of its own: nothing may load or frame it. /docs sets its own.
  app.use('*', secureHeaders({ overwrite: false, xFrameOptions: 'DENY', contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }));
  app.use('*', noStoreForPersonalData);
  app.use('*', deps.metrics.middleware);
  app.use('*', requestLogging(deps, redact));
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: () => {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${deps.bodyLimitBytes} bytes`);
      },
    }),
  );
  app.use('*', requireJsonBody);
  app.use('*', authenticate(deps.tokens));

  // Chained, so that the app's type carries every route (AppType, for the typed client).
  const routes = app
    .route('/', healthRoutes(deps))
    .route('/products', productRoutes(deps))
    .route('/inventory', inventoryRoutes(deps))
    .route('/orders', orderRoutes(deps))
    .route('/orders', fulfilmentRoutes(deps))
    .route('/orders', orderEventRoutes(deps))
    .route('/codec', codecRoutes(deps))
    .route('/webhooks', webhookRoutes(deps));

  publishDocument(app);
  const docs = docsHandlers();
  app.get('/docs', docs.page);
  app.get('/docs/scalar.js', docs.bundle);

  app.notFound((c) => c.json(errorBody('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError(deps.log));
  return routes;
}

/** The API's routes as types: what `hc<AppType>` (api/client.ts) calls. */
export type AppType = ReturnType<typeof createApp>;
