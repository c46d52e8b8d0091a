import { initialiseStock } from '../activities/inventory/repository.js';
import type { InventoryDatabase } from '../activities/inventory/schema.js';
import type { NewProduct } from '../activities/product/contract.js';
import { insertProduct } from '../activities/product/repository.js';
import type { ProductDatabase } from '../activities/product/schema.js';
import { SERVICE_SCHEMAS, serviceDatabaseUrl } from '../common/config.js';
import { createDatabase } from '../common/database.js';

/** A small catalog so that a fresh stack can take an order straight away. */
export const SEED_CATALOG: Array<NewProduct & { stock: number }> = [
  { sku: 'TEE-BLK-M', name: 'Black T-shirt (M)', description: 'Organic cotton, medium', priceCents: 1999, currency: 'EUR', stock: 100 },
  { sku: 'TEE-WHT-L', name: 'White T-shirt (L)', description: 'Organic cotton, large', priceCents: 1999, currency: 'EUR', stock: 50 },
  { sku: 'MUG-LOGO', name: 'Logo mug', description: 'Stoneware, 350 ml', priceCents: 1250, currency: 'EUR', stock: 25 },
  { sku: 'CAP-NAVY', name: 'Navy cap', description: 'One size', priceCents: 2400, currency: 'EUR', stock: 10 },
  { sku: 'STICKER-PACK', name: 'Sticker pack', description: 'Ten vinyl stickers', priceCents: 499, currency: 'EUR', stock: 500 },
];

/**
 * Seeds through the services' own repositories and roles (a development tool, like
 * migrations). Products that already exist are left as they are.
 */
export async function seedCatalog(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const product = createDatabase<ProductDatabase>({ url: serviceDatabaseUrl('product', 'owner', databaseUrl, env), schema: SERVICE_SCHEMAS.product, poolMax: 1 });
  const inventory = createDatabase<InventoryDatabase>({ url: serviceDatabaseUrl('inventory', 'owner', databaseUrl, env), schema: SERVICE_SCHEMAS.inventory, poolMax: 1 });
  let created = 0;
  try {
    for (const { stock, ...item } of SEED_CATALOG) {
      if (await insertProduct(product, item)) created += 1;
      await initialiseStock(inventory, { sku: item.sku, onHand: stock, actor: 'seed', idempotencyKey: `init:${item.sku}` });
    }
  } finally {
    await Promise.all([product.destroy(), inventory.destroy()]);
  }
  return created;
}
