import { describe, expect, it } from 'vitest';
import { INVENTORY_FAILURE } from '../activities/inventory/contract.js';
import { PRODUCT_FAILURE } from '../activities/product/contract.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { fastApp } from '../test/support/fast-app.js';
import { product, stockLevel } from '../test/support/memory-reads.js';

// Staff's workflows start at INTERACTIVE_PRIORITY, ahead of a burst's orders on a busy queue; an order
// starts at the server's default. (That the server honours it: workflows/task-priority.integration.test.ts.)
const SKU = 'LAMP-1';

async function app() {
  const app = fastApp();
  app.store.products.set(SKU, product(SKU));
  app.store.stock.set(SKU, stockLevel(SKU, 10, 0));
  return Object.assign(app, { admin: await app.token('root', ['admin']), customer: await app.token('alice', ['customer']) });
}

describe('task priority of the workflows the API starts', () => {
  it('catalog writes and stock adjustments start at INTERACTIVE_PRIORITY', async () => {
    const shop = await app();
    shop.temporal
      .resultOf('CreateProduct', { ok: false, reason: PRODUCT_FAILURE.productExists, message: 'taken' })
      .resultOf('UpdateProduct', { ok: false, reason: PRODUCT_FAILURE.notFound, message: 'gone' })
      .resultOf('AdjustStock', { ok: false, reason: INVENTORY_FAILURE.insufficientStock, message: 'reserved' });
    await shop.request('POST', '/products', { token: shop.admin, body: { sku: 'DESK-1', name: 'Desk', priceCents: 100, initialStock: 1 } });
    await shop.request('PATCH', `/products/${SKU}`, { token: shop.admin, body: { name: 'Lamp' } });
    await shop.request('POST', `/inventory/${SKU}/adjustments`, { token: shop.admin, body: { delta: -1, reason: 'stocktake' } });
    expect(shop.temporal.started.map(({ workflowType, priority }) => ({ workflowType, priority }))).toEqual([
      { workflowType: 'CreateProduct', priority: INTERACTIVE_PRIORITY },
      { workflowType: 'UpdateProduct', priority: INTERACTIVE_PRIORITY },
      { workflowType: 'AdjustStock', priority: INTERACTIVE_PRIORITY },
    ]);
  });

  it('an order starts at the default priority (its cancel\'s steps run at INTERACTIVE_PRIORITY inside the workflow)', async () => {
    const shop = await app();
    const response = await shop.request('POST', '/orders', { token: shop.customer, body: { lines: [{ sku: SKU, quantity: 1 }] } });
    expect(response.status, response.text).toBe(202);
    expect(shop.temporal.started).toMatchObject([{ workflowType: 'PlaceOrder' }]);
    expect(shop.temporal.started[0]!.priority).toBeUndefined();
  });
});
