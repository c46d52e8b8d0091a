import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import { PRODUCT_FAILURE, priceLines, type ProductActivities } from './contract.js';
import { findProduct, findProducts, insertProduct, updateProduct } from './repository.js';
import type { ProductDb } from './schema.js';

export interface ProductActivityDeps {
  db: ProductDb;
  log: Logger;
}

export function createProductActivities({ db, log }: ProductActivityDeps): ProductActivities {
  return {
    async priceOrder(lines) {
      const pricing = priceLines(lines, await findProducts(db, lines.map((line) => line.sku)));
      if (pricing.ok) activityLogger(log).debug({ totalCents: pricing.value.totalCents, lines: pricing.value.lines.length }, 'order priced');
      return pricing;
    },

    async checkSkuAvailable({ sku }) {
      if (await findProduct(db, sku)) return { ok: false, reason: PRODUCT_FAILURE.productExists, message: `Product ${sku} already exists` };
      return { ok: true, value: null };
    },

    /**
     * Inserts the product. Creation of one SKU is serialised by its workflow ID, so a row that
     * already exists here is this workflow's own earlier attempt: a retry returns it.
     */
    async createProduct(product) {
      const created = await insertProduct(db, product);
      const stored = await findProduct(db, product.sku);
      if (!stored) throw new Error(`Product ${product.sku} vanished after insert`);
      activityLogger(log, { sku: product.sku }).info({ created }, 'product created');
      return stored;
    },

    async updateProduct({ sku, changes }) {
      const updated = await updateProduct(db, sku, changes);
      if (!updated) return { ok: false, reason: PRODUCT_FAILURE.notFound, message: `No product ${sku}` };
      activityLogger(log, { sku }).info({ changes: Object.keys(changes) }, 'product updated');
      return { ok: true, value: updated };
    },
  };
}
