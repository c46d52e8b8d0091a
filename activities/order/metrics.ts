import type { Registry } from 'prom-client';
import { pendingBacklog, registerBacklogGauges } from '../../common/business-metrics.js';
import type { OrderDb } from './schema.js';

/** Orders still PENDING, and the oldest one's age: what the "orders stuck" alert reads. */
export function registerOrderGauges(registry: Registry, db: OrderDb): void {
  registerBacklogGauges(registry, { count: 'orderflow_orders_pending', oldest: 'orderflow_orders_pending_oldest_seconds', what: 'orders in PENDING' }, () =>
    pendingBacklog(db, 'orders'),
  );
}
