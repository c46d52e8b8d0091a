import type { Kysely } from 'kysely';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import type { OrderActivities } from './contract.js';
import { createOrderMetrics, type OrderMetrics } from './metrics.js';
import { cancelOrder, confirmOrder, insertOrder, rejectOrder } from './repository.js';
import type { OrderDatabase } from './schema.js';

export interface OrderActivityDeps {
  db: Kysely<OrderDatabase>;
  log: Logger;
  metrics?: OrderMetrics;
}

export function createOrderActivities({ db, log, metrics = createOrderMetrics() }: OrderActivityDeps): OrderActivities {
  return {
    async recordOrder(order) {
      const created = await insertOrder(db, order);
      if (created) metrics.ordersPlaced.inc();
      activityLogger(log, { orderId: order.orderId }).debug({ created }, 'order recorded');
      return { created };
    },

    async confirmOrder({ orderId, priced }) {
      const result = await confirmOrder(db, orderId, priced);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'confirmed', reason: '' });
      activityLogger(log, { orderId }).info({ ...result, totalCents: priced.totalCents }, 'order confirmed');
      return result;
    },

    async rejectOrder({ orderId, reason }) {
      const result = await rejectOrder(db, orderId, reason);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'rejected', reason });
      activityLogger(log, { orderId }).info({ ...result, reason }, 'order rejected');
      return result;
    },

    async cancelOrder({ orderId, reason }) {
      const result = await cancelOrder(db, orderId, reason);
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'cancelled', reason: '' });
      activityLogger(log, { orderId }).info(result, 'order cancelled');
      return result;
    },
  };
}
