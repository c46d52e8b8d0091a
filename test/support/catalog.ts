import { initialiseStock } from '../../activities/inventory/repository.js';
import { insertProduct } from '../../activities/product/repository.js';
import { type serviceDatabases, uniqueSku } from './databases.js';

/** Creates a product with stock under a SKU unique to the calling test. */
export async function createStockedProduct(
  dbs: ReturnType<typeof serviceDatabases>,
  { priceCents = 1000, stock = 10, currency = 'EUR', name }: { priceCents?: number; stock?: number; currency?: string; name?: string } = {},
): Promise<string> {
  const sku = uniqueSku();
  await insertProduct(dbs.product, { sku, name: name ?? `Product ${sku}`, priceCents, currency });
  await initialiseStock(dbs.inventory, { sku, onHand: stock, actor: 'test', idempotencyKey: `init:${sku}` });
  return sku;
}
