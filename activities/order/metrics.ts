import { sql } from 'kysely';
import { Counter, Registry } from 'prom-client';
import { pendingBacklog, registerBacklogGauges } from '../backlog-gauges.js';
import { REJECTION_REASONS } from './contract.js';
import type { OrderDb } from './schema.js';

/**
 * Orders in numbers, counted once per real change (a retried activity that finds its work done
 * counts nothing). The names are what the dashboard and the alert rules read.
 */
export function createOrderMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  const metrics = {
    ordersPlaced: new Counter({ name: 'orderflow_orders_placed_total', help: 'Orders recorded as PENDING', registers }),
    ordersDecided: new Counter({
      name: 'orderflow_orders_decided_total',
      help: 'Orders leaving PENDING or CONFIRMED, by outcome (confirmed, rejected, cancelled) and reason',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    shipments: new Counter({ name: 'orderflow_shipments_recorded_total', help: 'Shipments recorded (each shipment ID once)', registers }),
    deliveries: new Counter({ name: 'orderflow_shipments_delivered_total', help: 'Shipments recorded as delivered', registers }),
    unitsCancelledUnshipped: new Counter({
      name: 'orderflow_order_units_cancelled_unshipped_total',
      help: 'Units cancelled as never shipping: the fulfilment window closed on them (each order once)',
      registers,
    }),
    returnsRequested: new Counter({ name: 'orderflow_returns_requested_total', help: 'Returns asked for (each return ID once)', registers }),
    returnsReceived: new Counter({
      name: 'orderflow_returns_received_total',
      help: 'Returns received, by whether the units went back to stock (restocked: true, false)',
      labelNames: ['restocked'] as const,
      registers,
    }),
  };
  // Every series exists from the start, so that rates and alerts see a 0 rather than nothing.
  metrics.ordersDecided.inc({ outcome: 'confirmed', reason: '' }, 0);
  metrics.ordersDecided.inc({ outcome: 'cancelled', reason: '' }, 0);
  for (const reason of REJECTION_REASONS) metrics.ordersDecided.inc({ outcome: 'rejected', reason }, 0);
  for (const restocked of ['true', 'false'] as const) metrics.returnsReceived.inc({ restocked }, 0);
  return metrics;
}

export type OrderMetrics = ReturnType<typeof createOrderMetrics>;

/** Orders still PENDING, and the oldest one's age: what the "orders stuck" alert reads. */
export function registerOrderGauges(registry: Registry, db: OrderDb): void {
  registerBacklogGauges(registry, { count: 'orderflow_orders_pending', oldest: 'orderflow_orders_pending_oldest_seconds', what: 'orders in PENDING' }, () =>
    pendingBacklog(db, 'orders'),
  );
}

/**
 * The timeline's outbox: events the webhook relay has not published yet, and the oldest one's age
 * (what the "webhook relay stalled" alert reads). `published_at IS NULL` is the predicate of the
 * partial index order_events_unpublished_idx, so the query reads only the unpublished rows however
 * long the timeline grows.
 */
export function registerOrderEventGauges(registry: Registry, db: OrderDb): void {
  registerBacklogGauges(
    registry,
    { count: 'orderflow_order_events_unpublished', oldest: 'orderflow_order_events_unpublished_oldest_seconds', what: 'order events not yet published to webhooks' },
    async () => {
      const row = await db
        .selectFrom('order_events')
        .select([sql<string>`count(*)`.as('count'), sql<string | null>`extract(epoch from now() - min(at))`.as('oldest')])
        .where('published_at', 'is', null)
        .executeTakeFirstOrThrow();
      return { count: Number(row.count), oldestSeconds: Number(row.oldest ?? 0) };
    },
  );
}
