import { createRoute, z } from '@hono/zod-openapi';
import { findProduct, InvalidCursorError, listProducts } from '../../activities/product/repository.js';
import type { ApiDeps } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { createRouter } from '../router.js';
import { errorResponse, jsonContent, pageOf, PageQuerySchema, ProductSchema, SkuSchema } from '../schemas.js';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['products'],
  summary: 'Active products, searchable by name or SKU',
  request: { query: PageQuerySchema.extend({ q: z.string().trim().max(100).optional() }) },
  responses: { 200: jsonContent(pageOf(ProductSchema), 'A page of products'), 400: errorResponse('Invalid query') },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{sku}',
  tags: ['products'],
  summary: 'One product',
  request: { params: z.object({ sku: SkuSchema }) },
  responses: { 200: jsonContent(ProductSchema, 'The product'), 404: errorResponse('No such product') },
});

export function productRoutes({ readers }: ApiDeps) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { q, limit, cursor } = c.req.valid('query');
      try {
        return c.json(await listProducts(readers.product, { limit, ...(q && { q }), ...(cursor && { cursor }) }), 200);
      } catch (error) {
        if (error instanceof InvalidCursorError) throw validationFailed('Invalid cursor', [{ path: 'cursor', message: error.message }]);
        throw error;
      }
    })
    .openapi(getRoute, async (c) => {
      const { sku } = c.req.valid('param');
      const product = await findProduct(readers.product, sku);
      if (!product) throw notFound(`Product ${sku}`);
      return c.json(product, 200);
    });
}
