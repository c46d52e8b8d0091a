import type { Kysely } from 'kysely';
import { activityLogger } from '../../common/activity-logger.js';
import { REJECTION_REASONS } from '../../common/failures.js';
import { createBusinessMetrics, type BusinessMetrics } from '../../common/business-metrics.js';
import type { Logger } from '../../common/logger.js';
import { cancelOrder, confirmOrder, insertOrder, rejectOrder, type NewOrder } from './repository.js';
import type { OrderDatabase } from './schema.js';
import type { PricedOrder } from './types.js';

export interface OrderActivityDeps {
  db: Kysely<OrderDatabase>;
  log: Logger;
  metrics?: BusinessMetrics;
}

export function createOrderActivities({ db, log, metrics = createBusinessMetrics() }: OrderActivityDeps) {
  // Every series exists from the start, so that rates and alerts see a 0 rather than nothing.
  metrics.ordersDecided.inc({ outcome: 'confirmed', reason: '' }, 0);
  metrics.ordersDecided.inc({ outcome: 'cancelled', reason: '' }, 0);
  for (const reason of REJECTION_REASONS) metrics.ordersDecided.inc({ outcome: 'rejected', reason }, 0);
  return {
    async recordOrder(order: NewOrder) {
      const created = await insertOrder(db, order);
      if (created) metrics.ordersPlaced.inc();
      activityLogger(log, { orderId: order.orderId }).debug({ created }, 'order recorded');
      return { created };
    },

    async confirmOrder(input: { orderId: string; priced: PricedOrder }) {
      const result = await confirmOrder(db, input.orderId, input.priced);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'confirmed', reason: '' });
      activityLogger(log, { orderId: input.orderId }).info({ ...result, totalCents: input.priced.totalCents }, 'order confirmed');
      return result;
    },

    async rejectOrder(input: { orderId: string; reason: string }) {
      const result = await rejectOrder(db, input.orderId, input.reason);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'rejected', reason: input.reason });
      activityLogger(log, { orderId: input.orderId }).info({ ...result, reason: input.reason }, 'order rejected');
      return result;
    },

    async cancelOrder(input: { orderId: string; reason: string }) {
      const result = await cancelOrder(db, input.orderId, input.reason);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'cancelled', reason: '' });
      activityLogger(log, { orderId: input.orderId }).info(result, 'order cancelled');
      return result;
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
