import { proxyActivities } from '@temporalio/workflow';
import type { AdjustmentRefusal, InventoryActivities, StockAdjustment, StockLevel } from '../activities/inventory/contract.js';
import type { NewProduct, Product, ProductActivities, ProductChanges, PRODUCT_FAILURE } from '../activities/product/contract.js';
import type { Outcome } from '../common/outcome.js';
import { inventoryActivityOptions, productActivityOptions } from './activity-options.js';

const product = proxyActivities<ProductActivities>(productActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);

// Staff's catalog writes. A refusal (a taken SKU, no such product, stock that would go below
// what is reserved) is the workflow's result, so the run ends Completed: Failed in the Web UI
// always means something is broken.

export interface CreateProductInput {
  product: NewProduct;
  initialStock: number;
  /** Who asked (the admin's subject), recorded in the stock ledger. */
  actor: string;
}

export type CreateProductResult = Outcome<{ product: Product; stock: StockLevel }, typeof PRODUCT_FAILURE.productExists>;

/**
 * A product and its stock record, together. Workflow ID `product-<sku>` (rejecting a duplicate
 * of a completed run) serialises creation per SKU. The stock record comes first and the
 * product last, so a product is never for sale without stock; both steps retry until done.
 */
export async function CreateProduct({ product: newProduct, initialStock, actor }: CreateProductInput): Promise<CreateProductResult> {
  const available = await product.checkSkuAvailable({ sku: newProduct.sku });
  if (!available.ok) return available;
  const stock = await inventory.initialiseStock({ sku: newProduct.sku, onHand: initialStock, actor });
  const created = await product.createProduct(newProduct);
  return { ok: true, value: { product: created, stock } };
}

export async function UpdateProduct(input: { sku: string; changes: ProductChanges }): Promise<Outcome<Product, typeof PRODUCT_FAILURE.notFound>> {
  return product.updateProduct(input);
}

export type AdjustStockInput = StockAdjustment;

/** Restock or write-off, recorded in the ledger with its reason and actor. */
export async function AdjustStock(input: AdjustStockInput): Promise<Outcome<StockLevel, AdjustmentRefusal>> {
  return inventory.adjustStock(input);
}
