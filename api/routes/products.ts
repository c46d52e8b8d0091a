import { createRoute, z } from '@hono/zod-openapi';
import { findProduct, InvalidCursorError, listProducts } from '../../activities/product/repository.js';
import { createProduct, updateProduct } from '../admin-workflows.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { createRouter } from '../router.js';
import {
  bearerAuth,
  CreateProductSchema,
  errorResponse,
  jsonContent,
  pageOf,
  PageQuerySchema,
  ProductSchema,
  SkuSchema,
  StockLevelSchema,
  UpdateProductSchema,
} from '../schemas.js';

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

const createProductRoute = createRoute({
  method: 'post',
  path: '/',
  tags: ['products'],
  summary: 'Create a product and its stock record together (the CreateProduct workflow)',
  security: bearerAuth,
  middleware: [requireRole('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateProductSchema } } } },
  responses: {
    201: jsonContent(ProductSchema.extend({ stock: StockLevelSchema }), 'Created'),
    400: errorResponse('Invalid product'),
    401: errorResponse('No or invalid token'),
    403: errorResponse('Not an admin'),
    409: errorResponse('The SKU exists'),
  },
});

const updateProductRoute = createRoute({
  method: 'patch',
  path: '/{sku}',
  tags: ['products'],
  summary: 'Change name, description, price or active (the UpdateProduct workflow)',
  security: bearerAuth,
  middleware: [requireRole('admin')] as const,
  request: {
    params: z.object({ sku: SkuSchema }),
    body: { required: true, content: { 'application/json': { schema: UpdateProductSchema } } },
  },
  responses: {
    200: jsonContent(ProductSchema, 'The product as changed'),
    400: errorResponse('Invalid changes'),
    401: errorResponse('No or invalid token'),
    403: errorResponse('Not an admin'),
    404: errorResponse('No such product'),
  },
});

export function productRoutes({ readers, temporal }: ApiDeps) {
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
    })
    .openapi(createProductRoute, async (c) => {
      const { initialStock, ...product } = c.req.valid('json');
      const created = await createProduct(temporal, { product, initialStock, actor: c.get('principal')!.sub });
      c.header('Location', `/products/${created.product.sku}`);
      return c.json({ ...created.product, stock: created.stock }, 201);
    })
    .openapi(updateProductRoute, async (c) => {
      const { sku } = c.req.valid('param');
      return c.json(await updateProduct(temporal, sku, c.req.valid('json')), 200);
    });
}
