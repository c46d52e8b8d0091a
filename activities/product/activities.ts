import { DomainError } from '../../common/domain-error.js';
import { FAILURE } from '../../common/failures.js';
import { MAX_ORDER_TOTAL_CENTS } from '../../common/domain-limits.js';
import { activityLogger } from '../../common/activity-logger.js';
import { rejectionAsResult, type Outcome } from '../../common/outcome.js';
import type { Logger } from '../../common/logger.js';
import type { OrderLineInput, PricedOrder } from '../order/types.js';
import { findProduct, findProducts, insertProduct, updateProduct, type NewProduct, type Product, type ProductChanges } from './repository.js';
import type { ProductDb } from './schema.js';

export interface ProductActivityDeps {
  db: ProductDb;
  log: Logger;
}

export function createProductActivities({ db, log }: ProductActivityDeps) {
  const activities = {
    /** Fails (non-retryable PRODUCT_EXISTS) when the SKU is taken; creation checks before it touches stock. */
    async assertSkuAvailable(input: { sku: string }): Promise<void> {
      if (await findProduct(db, input.sku)) {
        throw new DomainError(FAILURE.productExists, `Product ${input.sku} already exists`, { sku: input.sku });
      }
    },

    /**
     * Inserts the product. Creation of one SKU is serialised by its workflow ID, so a row that
     * already exists here is this workflow's own earlier attempt: a retry returns it.
     */
    async createProduct(product: NewProduct): Promise<Product> {
      const created = await insertProduct(db, product);
      const stored = await findProduct(db, product.sku);
      if (!stored) throw new Error(`Product ${product.sku} vanished after insert`);
      activityLogger(log, { sku: product.sku }).info({ created }, 'product created');
      return stored;
    },

    async updateProduct(input: { sku: string; changes: ProductChanges }): Promise<Product> {
      const updated = await updateProduct(db, input.sku, input.changes);
      if (!updated) throw new DomainError(FAILURE.notFound, `No product ${input.sku}`, { sku: input.sku });
      activityLogger(log, { sku: input.sku }).info({ changes: Object.keys(input.changes) }, 'product updated');
      return updated;
    },

    /**
     * Snapshots the current name and price of every line's product. Unknown or inactive
     * products, or a basket mixing currencies, reject the order (non-retryable). Workflows
     * from before rejections became results still call it; new ones call priceOrder.
     */
    async priceOrderLines(lines: OrderLineInput[]): Promise<PricedOrder> {
      const products = await findProducts(db, lines.map((line) => line.sku));
      const priced = lines.map((line) => {
        const product = products.get(line.sku);
        if (!product) {
          throw new DomainError(FAILURE.unknownProduct, `Unknown product ${line.sku}`, { sku: line.sku });
        }
        if (!product.active) {
          throw new DomainError(FAILURE.inactiveProduct, `Product ${line.sku} is not for sale`, { sku: line.sku });
        }
        return { ...line, name: product.name, unitPriceCents: product.priceCents, currency: product.currency };
      });
      const currencies = new Set(priced.map((line) => line.currency));
      if (currencies.size > 1) {
        throw new DomainError(FAILURE.mixedCurrency, 'Products in one order must share a currency', {
          currencies: [...currencies],
        });
      }
      const totalCents = priced.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
      if (totalCents > MAX_ORDER_TOTAL_CENTS) {
        throw new DomainError(FAILURE.orderTooLarge, `The order total exceeds ${MAX_ORDER_TOTAL_CENTS} minor units`, { totalCents });
      }
      const result: PricedOrder = {
        lines: priced.map(({ sku, name, quantity, unitPriceCents }) => ({
          sku,
          name,
          quantity,
          unitPriceCents,
          lineTotalCents: unitPriceCents * quantity,
        })),
        totalCents,
        currency: [...currencies][0] ?? 'USD',
      };
      activityLogger(log).debug({ totalCents: result.totalCents, lines: result.lines.length }, 'order priced');
      return result;
    },

    /** priceOrderLines with its rejections (unknown, inactive, mixed currency, too large) as a result. */
    async priceOrder(lines: OrderLineInput[]): Promise<Outcome<PricedOrder>> {
      return rejectionAsResult(() => activities.priceOrderLines(lines));
    },
  };
  return activities;
}

export type ProductActivities = ReturnType<typeof createProductActivities>;
