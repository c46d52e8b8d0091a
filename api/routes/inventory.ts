import { createRoute, z } from '@hono/zod-openapi';
import { adjustmentRefusal, INVENTORY_FAILURE } from '../../activities/inventory/contract.js';
import { adjustmentRequestId, adjustStock } from '../admin-workflows.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { notFound, refusalError } from '../errors.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent, PUBLIC_OPERATION } from '../responses.js';
import { AdjustmentSchema, IdempotencyKeyHeader, SkuSchema, StockLevelSchema } from '../schemas.js';

const SkuParam = z.object({ sku: SkuSchema });

const getRoute = createRoute({
  method: 'get',
  path: '/{sku}',
  operationId: 'getStockLevel',
  tags: ['inventory'],
  summary: 'Stock level of one SKU',
  security: [],
  request: { params: SkuParam },
  responses: {
    200: jsonContent(StockLevelSchema, 'Stock level'),
    ...PUBLIC_OPERATION,
    ...errors({ 400: 'Not a SKU', 404: 'No stock record' }),
  },
});

const checkRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'checkAvailability',
  tags: ['inventory'],
  summary: 'Is each SKU in stock for a quantity?',
  security: [],
  request: {
    query: z.object({
      sku: z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(SkuSchema).min(1).max(100)),
      quantity: z.coerce.number().int().min(1).max(100_000).default(1),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({ items: z.array(z.object({ sku: z.string(), available: z.number().int(), inStock: z.boolean() })) }).openapi('Availability'),
      'Each SKU once, in the order asked; an unknown SKU is not in stock',
    ),
    ...PUBLIC_OPERATION,
    ...errors({ 400: 'No SKU, a malformed SKU or an invalid quantity' }),
  },
});

const adjustRoute = createRoute({
  method: 'post',
  path: '/{sku}/adjustments',
  operationId: 'adjustStock',
  tags: ['inventory'],
  summary: 'Restock (+) or write off (-), recorded in the movement ledger (the AdjustStock workflow)',
  middleware: [requireRole('admin')] as const,
  request: {
    params: SkuParam,
    headers: z.object({ 'idempotency-key': IdempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: AdjustmentSchema } } },
  },
  responses: {
    200: jsonContent(StockLevelSchema, 'The stock level after the adjustment'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({
      400: 'Not a SKU, an invalid adjustment or Idempotency-Key',
      403: 'Not an admin',
      404: 'No stock record',
      409: 'On-hand would drop below what is reserved or above the limit, or the Idempotency-Key was used for another adjustment',
      429: true,
    }),
  },
});

export function inventoryRoutes({ readers, temporal, rateLimits }: ApiDeps) {
  return createRouter()
    .openapi(getRoute, async (c) => {
      const { sku } = c.req.valid('param');
      const level = await readers.inventory.level(sku);
      if (!level) throw notFound(`Stock for ${sku}`);
      return c.json(level, 200);
    })
    .openapi(checkRoute, async (c) => {
      const { sku: skus, quantity } = c.req.valid('query');
      const levels = await readers.inventory.levels(skus);
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
      if (key === undefined || !(await readers.inventory.isAdjustmentApplied(requestId))) {
        await rateLimits.catalogWrites(sub);
        // Refused here, so that these 4xx start nothing; the workflow checks again, atomically.
        const refusal = adjustmentRefusal(await readers.inventory.level(sku), sku, delta);
        if (refusal?.reason === INVENTORY_FAILURE.notFound) throw notFound(`Stock for ${sku}`);
        if (refusal) throw refusalError(refusal.reason, refusal.message);
      }
      const level = await adjustStock(temporal, { sku, delta, reason, actor: sub }, { requestId, keyed: key !== undefined });
      return c.json(level, 200);
    });
}
