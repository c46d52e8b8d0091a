import { createRoute, z } from '@hono/zod-openapi';
import { createProduct, updateProduct } from '../admin-workflows.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent, PUBLIC_OPERATION } from '../responses.js';
import {
  CreateProductSchema,
  pageOf,
  PageQuerySchema,
  ProductSchema,
  SkuSchema,
  StockLevelSchema,
  Text,
  UpdateProductSchema,
} from '../schemas.js';

const SkuParam = z.object({ sku: SkuSchema });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listProducts',
  tags: ['products'],
  summary: 'Active products, searchable by name or SKU',
  security: [],
  request: { query: PageQuerySchema.extend({ q: Text(100).optional() }) },
  responses: {
    200: jsonContent(pageOf(ProductSchema).openapi('ProductPage'), 'A page of products'),
    ...PUBLIC_OPERATION,
    ...errors({ 400: 'Invalid limit, cursor or search text' }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{sku}',
  operationId: 'getProduct',
  tags: ['products'],
  summary: 'One product',
  security: [],
  request: { params: SkuParam },
  responses: {
    200: jsonContent(ProductSchema, 'The product'),
    ...PUBLIC_OPERATION,
    ...errors({ 400: 'Not a SKU', 404: 'No such product' }),
  },
});

const createProductRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createProduct',
  tags: ['products'],
  summary: 'Create a product and its stock record together (the CreateProduct workflow)',
  middleware: [requireRole('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateProductSchema } } } },
  responses: {
    201: jsonContent(ProductSchema.extend({ stock: StockLevelSchema }).openapi('CreatedProduct'), 'Created; Location is the product', 'Location'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({ 400: 'Invalid product', 403: 'Not an admin', 409: 'The SKU exists', 429: true }),
  },
});

const updateProductRoute = createRoute({
  method: 'patch',
  path: '/{sku}',
  operationId: 'updateProduct',
  tags: ['products'],
  summary: 'Change name, description, price or active (the UpdateProduct workflow)',
  middleware: [requireRole('admin')] as const,
  request: {
    params: SkuParam,
    body: { required: true, content: { 'application/json': { schema: UpdateProductSchema } } },
  },
  responses: {
    200: jsonContent(ProductSchema, 'The product as changed'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({ 400: 'Not a SKU, or invalid changes (at least one is needed)', 403: 'Not an admin', 404: 'No such product', 429: true }),
  },
});

export function productRoutes({ readers, temporal, rateLimits }: ApiDeps) {
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { q, limit, cursor } = c.req.valid('query');
      return c.json(await readers.products.list({ limit, ...(q && { q }), ...(cursor && { cursor }) }), 200);
    })
    .openapi(getRoute, async (c) => {
      const { sku } = c.req.valid('param');
      const product = await readers.products.product(sku);
      if (!product) throw notFound(`Product ${sku}`);
      return c.json(product, 200);
    })
    .openapi(createProductRoute, async (c) => {
      const { sub } = c.get('principal')!;
      await rateLimits.catalogWrites(sub);
      const { initialStock, ...product } = c.req.valid('json');
      // Refused here, not by the workflow, so that a 409 starts nothing.
      if (await readers.products.product(product.sku)) throw conflict(`Product ${product.sku} already exists`);
      const created = await createProduct(temporal, { product, initialStock, actor: sub });
      c.header('Location', `/products/${created.product.sku}`);
      return c.json({ ...created.product, stock: created.stock }, 201);
    })
    .openapi(updateProductRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const { sku } = c.req.valid('param');
      const changes = c.req.valid('json');
      if (!(await readers.products.product(sku))) throw notFound(`Product ${sku}`);
      return c.json(await updateProduct(temporal, sku, changes), 200);
    });
}
