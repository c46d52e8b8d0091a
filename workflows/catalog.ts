import { proxyActivities } from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory/activities.js';
import type { StockLevel } from '../activities/inventory/repository.js';
import type { ProductActivities } from '../activities/product/activities.js';
import type { NewProduct, Product, ProductChanges } from '../activities/product/repository.js';
import { inventoryActivityOptions, productActivityOptions } from './activity-options.js';

const product = proxyActivities<ProductActivities>(productActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);

export interface CreateProductInput {
  product: NewProduct;
  initialStock: number;
  /** Who asked (the admin's subject), recorded in the stock ledger. */
  actor: string;
}

/**
 * A product and its stock record, together. Workflow ID `product-<sku>` (rejecting a duplicate
 * of a completed run) serialises creation per SKU. The stock record comes first and the
 * product last, so a product is never for sale without stock; both steps retry until done.
 */
export async function CreateProduct({ product: newProduct, initialStock, actor }: CreateProductInput): Promise<{ product: Product; stock: StockLevel }> {
  await product.assertSkuAvailable({ sku: newProduct.sku });
  const stock = await inventory.initialiseStock({ sku: newProduct.sku, onHand: initialStock, actor });
  const created = await product.createProduct(newProduct);
  return { product: created, stock };
}

export async function UpdateProduct(input: { sku: string; changes: ProductChanges }): Promise<Product> {
  return product.updateProduct(input);
}

export interface AdjustStockInput {
  sku: string;
  delta: number;
  reason: string;
  actor: string;
  /** Makes the adjustment apply once however often it is retried. */
  requestId: string;
}

/** Restock or write-off, recorded in the ledger with its reason and actor. */
export async function AdjustStock(input: AdjustStockInput): Promise<StockLevel> {
  return inventory.adjustStock(input);
}
