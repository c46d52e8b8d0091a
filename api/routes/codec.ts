import { createRoute, z } from '@hono/zod-openapi';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { cors } from 'hono/cors';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { validationFailed } from '../errors.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent } from '../responses.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const PayloadsSchema = z
  .object({
    payloads: z
      .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }))
      .max(1_000)
      // The Temporal CLI sends `{}` for an empty list.
      .default([]),
  })
  .openapi('CodecPayloads');

const codecRoute = (operation: 'encode' | 'decode', { path, hide }: { path: string; hide: boolean }) =>
  createRoute({
    method: 'post',
    path,
    hide,
    operationId: `codec${operation === 'encode' ? 'Encode' : 'Decode'}`,
    tags: ['operations'],
    summary: `Temporal remote codec: ${operation} payloads (for the Web UI and the CLI)`,
    middleware: hide ? [] : ([requireRole('operator', 'admin')] as const),
    request: { body: { required: true, content: { 'application/json': { schema: PayloadsSchema } } } },
    responses: {
      200: jsonContent(PayloadsSchema, `The payloads, ${operation}d`),
      ...ANY_OPERATION,
      ...JSON_BODY,
      ...errors({ 400: operation === 'decode' ? 'Not a payload list, or not decryptable' : 'Not a payload list', 403: 'Not an operator or admin' }),
    },
  });

/**
 * The remote codec protocol (https://docs.temporal.io/production-deployment/data-encryption):
 * operators and admins see decrypted payloads in the Web UI or the Temporal CLI; nobody else can
 * ask the API to decrypt (or to encrypt). On a loopback development stack the local Web UI,
 * which has no login, uses the same endpoints under a random path (CODEC_LOCAL_PATH) instead.
 */
export function codecRoutes({ codec: { codec, corsOrigins, localPath } }: ApiDeps) {
  const router = createRouter();
  router.use('*', cors({ origin: corsOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'], credentials: true, maxAge: 600 }));
  const prefixes = [{ prefix: '', hide: false }, ...(localPath ? [{ prefix: `/${localPath}`, hide: true }] : [])];
  for (const { prefix, hide } of prefixes) {
    router
      .openapi(codecRoute('encode', { path: `${prefix}/encode`, hide }), async (c) => {
        const { payloads } = c.req.valid('json');
        return c.json({ payloads: (await codec.encode(payloads.map(JSONToPayload))).map(payloadToJSON) }, 200);
      })
      .openapi(codecRoute('decode', { path: `${prefix}/decode`, hide }), async (c) => {
        const { payloads } = c.req.valid('json');
        const decoded = await codec.decode(payloads.map(JSONToPayload)).catch((error: unknown) => {
          // Which key is missing, or why, is for the operator's log, not for the caller.
          c.get('log').warn({ err: error }, 'payloads could not be decrypted');
          throw validationFailed('Payloads could not be decrypted');
        });
        return c.json({ payloads: decoded.map(payloadToJSON) }, 200);
      });
  }
  return router;
}
