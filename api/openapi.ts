import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context.js';
import { registerSharedResponses } from './responses.js';

/** The document's own parts; the paths come from the routes' declarations (api/routes/*). */
export const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Orderflow API',
    version: '1.0.0',
    description: [
      'The public HTTP contract of orderflow (docs/api.md in the repository says it in prose).',
      '',
      '- Errors always have the shape `{"error":{"code","message","details"}}`; every status an operation can answer is declared on it.',
      '- Requests with `Authorization: Bearer <JWT>` (claims `sub`, `email`, `roles`): a token sent to any operation, even a public one, must be valid (401 otherwise).',
      '- Every response carries `X-Request-Id`; responses to authenticated requests and every `/orders` and `/codec` response carry `Cache-Control: no-store`.',
      '- A W3C `traceparent` header is continued into the workflows a request starts.',
      '- Prometheus metrics (`GET /metrics`) are not part of this API: they are served on a listener of their own (`API_METRICS_ADDRESS`, loopback by default), so that the public port never tells the world our versions and traffic.',
    ].join('\n'),
  },
  // Relative: the API that served this document (behind whatever proxy or port it is reached on).
  servers: [{ url: '/', description: 'The API that serves this document' }],
  // Operations that need no token say so with `security: []`.
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'products', description: 'The catalog: public reads, admin writes (each write is a workflow)' },
    { name: 'inventory', description: 'Stock levels: public reads, admin adjustments recorded in a ledger' },
    { name: 'orders', description: 'Placing, reading and cancelling orders (the PlaceOrder workflow)' },
    { name: 'webhooks', description: 'Outbound webhooks, admins only: subscriptions, their delivery log and redelivery (each change is a workflow)' },
    { name: 'operations', description: 'Probes, and the Temporal remote codec for operators' },
  ],
};

/** Declares what the routes share (security scheme, error responses, headers) and serves the document at /openapi.json. */
export function publishDocument(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  registerSharedResponses(app.openAPIRegistry);
  app.doc31('/openapi.json', DOCUMENT);
}
