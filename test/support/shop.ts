import { expect } from 'vitest';
import { uniqueSku } from './databases.js';
import { countBy } from './invariants.js';
import type { TestStack } from './stack.js';

export interface OrderBody {
  lines: Array<{ sku: string; quantity: number }>;
}

/** Creates a product with stock through the API (as an admin) and returns its SKU; `fields` override the body. */
export async function createProduct(stack: TestStack, initialStock: number, prefix = 'E2E', fields: Record<string, unknown> = {}): Promise<string> {
  const sku = uniqueSku(prefix);
  const admin = await stack.token('root', ['admin']);
  const created = await stack.request('POST', '/products', { token: admin, body: { sku, name: `Product ${sku}`, priceCents: 999, initialStock, ...fields } });
  expect(created.status).toBe(201);
  return sku;
}

/** Places every order concurrently, each by its own customer, and returns the order IDs once all are accepted. */
export async function placeOrders(stack: TestStack, bodies: OrderBody[], customerPrefix = 'buyer'): Promise<string[]> {
  const tokens = await Promise.all(bodies.map((_, i) => stack.token(`${customerPrefix}-${i}`)));
  const responses = await Promise.all(bodies.map((body, i) => stack.request('POST', '/orders', { token: tokens[i], body })));
  expect(countBy(responses, (r) => String(r.status))).toEqual({ 202: bodies.length });
  return responses.map((r) => r.body.orderId as string);
}

/** `count` one-line orders of `quantity` for one SKU. */
export const singleLineOrders = (sku: string, count: number, quantity = 1): OrderBody[] =>
  Array.from({ length: count }, () => ({ lines: [{ sku, quantity }] }));
