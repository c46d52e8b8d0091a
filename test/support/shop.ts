import { expect } from 'vitest';
import { uniqueSku } from './databases.js';
import { countBy } from './invariants.js';
import type { TestStack } from './stack.js';
import { read } from './typed-api.js';

export interface OrderBody {
  lines: Array<{ sku: string; quantity: number }>;
  payment?: { method: string };
}

type CreateProductBody = Parameters<ReturnType<TestStack['api']>['products']['$post']>[0]['json'];

/** Creates a product with stock through the API (as an admin) and returns its SKU; `fields` override the body. */
export async function createProduct(stack: Pick<TestStack, 'token' | 'api'>, initialStock: number, prefix = 'E2E', fields: Partial<CreateProductBody> = {}): Promise<string> {
  const sku = uniqueSku(prefix);
  const admin = stack.api(await stack.token('root', ['admin']));
  const created = await read(admin.products.$post({ json: { sku, name: `Product ${sku}`, priceCents: 999, initialStock, ...fields } }));
  expect(created.status).toBe(201);
  return sku;
}

/** Places every order concurrently, each by its own customer, and returns the order IDs once all are accepted. */
export async function placeOrders(stack: TestStack, bodies: OrderBody[], customerPrefix = 'buyer'): Promise<string[]> {
  const tokens = await Promise.all(bodies.map((_, i) => stack.token(`${customerPrefix}-${i}`)));
  const responses = await Promise.all(bodies.map((body, i) => read(stack.api(tokens[i]).orders.$post({ json: body, header: {} }))));
  expect(countBy(responses, (r) => String(r.status))).toEqual({ 202: bodies.length });
  return responses.map((r) => r.body.orderId);
}

/** `count` one-line orders of `quantity` for one SKU. */
export const singleLineOrders = (sku: string, count: number, quantity = 1): OrderBody[] =>
  Array.from({ length: count }, () => ({ lines: [{ sku, quantity }] }));
