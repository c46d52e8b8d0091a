import { DomainError } from '../../common/domain-error.js';
import { FAILURE } from '../../common/failures.js';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import type { OrderLineInput, PricedOrder } from '../order/types.js';
import { findProducts } from './repository.js';
import type { ProductDb } from './schema.js';

export interface ProductActivityDeps {
  db: ProductDb;
  log: Logger;
}

export function createProductActivities({ db, log }: ProductActivityDeps) {
  return {
    /**
     * Snapshots the current name and price of every line's product. Unknown or inactive
     * products, or a basket mixing currencies, reject the order (non-retryable).
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
      const result: PricedOrder = {
        lines: priced.map(({ sku, name, quantity, unitPriceCents }) => ({
          sku,
          name,
          quantity,
          unitPriceCents,
          lineTotalCents: unitPriceCents * quantity,
        })),
        totalCents: priced.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0),
        currency: [...currencies][0] ?? 'USD',
      };
      activityLogger(log).info({ totalCents: result.totalCents, lines: result.lines.length }, 'order priced');
      return result;
    },
  };
}

export type ProductActivities = ReturnType<typeof createProductActivities>;
