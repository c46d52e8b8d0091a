import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { registerBacklogGauges, toBacklog } from '../../common/business-metrics.js';
import type { OrderDb } from './schema.js';

/** Orders still PENDING, and the oldest one's age: what the "orders stuck" alert reads. */
export function registerOrderGauges(registry: Registry, db: OrderDb): void {
  registerBacklogGauges(registry, { count: 'orderflow_orders_pending', oldest: 'orderflow_orders_pending_oldest_seconds', what: 'orders in PENDING' }, async () =>
    toBacklog(
      await db
        .selectFrom('orders')
        .select([sql<string>`count(*)`.as('count'), sql<string | null>`extract(epoch from now() - min(created_at))`.as('oldest')])
        .where('status', '=', 'PENDING')
        .executeTakeFirstOrThrow(),
    ),
  );
}
