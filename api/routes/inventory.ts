import { createRoute, z } from '@hono/zod-openapi';
import { findStockLevel, findStockLevels } from '../../activities/inventory/repository.js';
import type { ApiDeps } from '../context.js';
import { notFound } from '../errors.js';
import { createRouter } from '../router.js';
import { errorResponse, jsonContent, SkuSchema, StockLevelSchema } from '../schemas.js';

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

export function inventoryRoutes({ readers }: ApiDeps) {
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
    });
}
