import { createRoute, z } from '@hono/zod-openapi';
import { findProduct, listProducts } from '../../activities/product/repository.js';
import { createProduct, updateProduct } from '../admin-workflows.js';
import { PlainText } from '../../common/text.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { conflict, notFound } from '../errors.js';
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
  request: { query: PageQuerySchema.extend({ q: PlainText(100).optional() }) },
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

export function productRoutes({ readers, temporal, rateLimits }: ApiDeps) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { q, limit, cursor } = c.req.valid('query');
      return c.json(await listProducts(readers.product, { limit, ...(q && { q }), ...(cursor && { cursor }) }), 200);
    })
    .openapi(getRoute, async (c) => {
      const { sku } = c.req.valid('param');
      const product = await findProduct(readers.product, sku);
      if (!product) throw notFound(`Product ${sku}`);
      return c.json(product, 200);
    })
    .openapi(createProductRoute, async (c) => {
      const { sub } = c.get('principal')!;
      await rateLimits.catalogWrites(sub);
      const { initialStock, ...product } = c.req.valid('json');
      // Refused here, not by the workflow, so that a 409 starts nothing.
      if (await findProduct(readers.product, product.sku)) throw conflict(`Product ${product.sku} already exists`);
      const created = await createProduct(temporal, { product, initialStock, actor: sub });
      c.header('Location', `/products/${created.product.sku}`);
      return c.json({ ...created.product, stock: created.stock }, 201);
    })
    .openapi(updateProductRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const { sku } = c.req.valid('param');
      const changes = c.req.valid('json');
      if (!(await findProduct(readers.product, sku))) throw notFound(`Product ${sku}`);
      return c.json(await updateProduct(temporal, sku, changes), 200);
    });
}
