import { randomBytes } from 'node:crypto';
import type { TestStack } from '../../test/support/stack.js';

/** A product of its own for a benchmark run (price 1.00) with `stock` on hand; its SKU. */
export async function stockedSku(stack: TestStack, adminToken: string, stock: number, prefix = 'BENCH'): Promise<string> {
  const sku = `${prefix}-${randomBytes(5).toString('hex').toUpperCase()}`;
  const created = await stack.request('POST', '/products', { token: adminToken, body: { sku, name: `${prefix} ${sku}`, priceCents: 100, initialStock: stock } });
  if (created.status !== 201) throw new Error(`POST /products answered ${created.status}`);
  return sku;
}
