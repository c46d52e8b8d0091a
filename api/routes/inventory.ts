import { createRoute, z } from '@hono/zod-openapi';
import { findStockLevel, findStockLevels, isAdjustmentApplied } from '../../activities/inventory/repository.js';
import { adjustmentRequestId, adjustStock } from '../admin-workflows.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { MAX_ON_HAND } from '../../common/domain-limits.js';
import { conflict, notFound } from '../errors.js';
import { createRouter } from '../router.js';
import { AdjustmentSchema, bearerAuth, errorResponse, IdempotencyKeyHeader, jsonContent, SkuSchema, StockLevelSchema } from '../schemas.js';

const getRoute = createRoute({
  method: 'get',
  path: '/{sku}',
  tags: ['inventory'],
  summary: 'Stock level of one SKU',
  request: { params: z.object({ sku: SkuSchema }) },
  responses: { 200: jsonContent(StockLevelSchema, 'Stock level'), 404: errorResponse('No stock record') },
});

const checkRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['inventory'],
  summary: 'Is each SKU in stock for a quantity?',
  request: {
    query: z.object({
      sku: z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(SkuSchema).min(1).max(100)),
      quantity: z.coerce.number().int().min(1).max(100_000).default(1),
    }),
  },
  responses: {
    200: jsonContent(z.object({ items: z.array(z.object({ sku: z.string(), available: z.number().int(), inStock: z.boolean() })) }), 'Availability'),
    400: errorResponse('Invalid query'),
  },
});

const adjustRoute = createRoute({
  method: 'post',
  path: '/{sku}/adjustments',
  tags: ['inventory'],
  summary: 'Restock (+) or write off (-), recorded in the movement ledger (the AdjustStock workflow)',
  security: bearerAuth,
  middleware: [requireRole('admin')] as const,
  request: {
    params: z.object({ sku: SkuSchema }),
    headers: z.object({ 'idempotency-key': IdempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: AdjustmentSchema } } },
  },
  responses: {
    200: jsonContent(StockLevelSchema, 'The stock level after the adjustment'),
    400: errorResponse('Invalid adjustment'),
    401: errorResponse('No or invalid token'),
    403: errorResponse('Not an admin'),
    404: errorResponse('No stock record'),
    409: errorResponse('On-hand would drop below what is reserved, or the Idempotency-Key was used for another adjustment'),
  },
});

export function inventoryRoutes({ readers, temporal, rateLimits }: ApiDeps) {
  return createRouter()
    .openapi(getRoute, async (c) => {
      const { sku } = c.req.valid('param');
      const level = await findStockLevel(readers.inventory, sku);
      if (!level) throw notFound(`Stock for ${sku}`);
      return c.json(level, 200);
    })
    .openapi(checkRoute, async (c) => {
      const { sku: skus, quantity } = c.req.valid('query');
      const levels = await findStockLevels(readers.inventory, skus);
      const items = [...new Set(skus)].map((sku) => {
        const available = levels.get(sku)?.available ?? 0;
        return { sku, available, inStock: available >= quantity };
      });
      return c.json({ items }, 200);
    })
    .openapi(adjustRoute, async (c) => {
      const { sub } = c.get('principal')!;
      const { sku } = c.req.valid('param');
      const { delta, reason } = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const requestId = adjustmentRequestId(sub, sku, key);
      // A retry of an adjustment already applied (same Idempotency-Key) changes nothing: it is
      // neither counted against the limit nor checked again.
      if (key === undefined || !(await isAdjustmentApplied(readers.inventory, requestId))) {
        await rateLimits.catalogWrites(sub);
        // Refused here, so that these 4xx start nothing; the workflow checks again, atomically.
        const current = await findStockLevel(readers.inventory, sku);
        if (!current) throw notFound(`Stock for ${sku}`);
        if (current.onHand + delta > MAX_ON_HAND) throw conflict(`On-hand of ${sku} cannot exceed ${MAX_ON_HAND}`, [{ path: 'delta', message: `at most ${MAX_ON_HAND - current.onHand}` }]);
      }
      const level = await adjustStock(temporal, { sku, delta, reason, actor: sub }, { requestId, keyed: key !== undefined });
      return c.json(level, 200);
    });
}
