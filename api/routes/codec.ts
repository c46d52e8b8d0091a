import { createRoute, z } from '@hono/zod-openapi';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { requireRole } from '../auth.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationFailed } from '../errors.js';
import { createRouter } from '../router.js';
import { bearerAuth, errorResponse, jsonContent } from '../schemas.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const PayloadsSchema = z
  .object({
    payloads: z
      .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }))
      .max(1_000),
  })
  .openapi('CodecPayloads');

const codecRoute = (operation: 'encode' | 'decode') =>
  createRoute({
    method: 'post',
    path: `/${operation}`,
    tags: ['operations'],
    summary: `Temporal remote codec: ${operation} payloads (for the Web UI and the CLI)`,
    security: bearerAuth,
    request: { body: { required: true, content: { 'application/json': { schema: PayloadsSchema } } } },
    responses: {
      200: jsonContent(PayloadsSchema, `The payloads, ${operation}d`),
      400: errorResponse('Not a payload list, or not decryptable'),
      401: errorResponse('No or invalid token'),
      403: errorResponse('Not an operator or admin'),
    },
  });

/**
 * The remote codec protocol (https://docs.temporal.io/production-deployment/data-encryption):
 * operators see decrypted payloads in the Web UI; nobody else can ask the API to decrypt.
 */
export function codecRoutes({ codec: { codec, corsOrigins, allowAnonymous } }: ApiDeps) {
  const staffOnly = allowAnonymous ? createMiddleware<ApiEnv>((_, next) => next()) : requireRole('operator', 'admin');
  const router = createRouter();
  router.use('*', cors({ origin: corsOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'], credentials: true, maxAge: 600 }));
  router.use('*', staffOnly);
  return router
    .openapi(codecRoute('encode'), async (c) => {
      const { payloads } = c.req.valid('json');
      return c.json({ payloads: (await codec.encode(payloads.map(JSONToPayload))).map(payloadToJSON) }, 200);
    })
    .openapi(codecRoute('decode'), async (c) => {
      const { payloads } = c.req.valid('json');
      const decoded = await codec.decode(payloads.map(JSONToPayload)).catch((error: unknown) => {
        throw validationFailed('Payloads could not be decrypted', [{ message: error instanceof Error ? error.message : String(error) }]);
      });
      return c.json({ payloads: decoded.map(payloadToJSON) }, 200);
    });
}
