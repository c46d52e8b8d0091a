import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import type { OrderActivities } from './contract.js';
import { createOrderMetrics, type OrderMetrics } from './metrics.js';
import { cancelOrder, confirmOrder, insertOrder, recordDelivery, recordReturn, recordReturnReceipt, recordShipment, recordUnshippedCancelled, rejectOrder } from './repository.js';
import type { OrderDatabase } from './schema.js';
import { TIMELINE_LIMITS, type Actor } from './timeline.contract.js';
import { findUnpublishedEvents, markPublished } from './timeline.js';

/** How often a relay waiting on an empty outbox looks again: an event waits at most this long to be seen. */
const OUTBOX_POLL_MS = 250;

/**
 * An activity task scheduled by workflow code from before the timeline, still in flight (or retrying)
 * when the new worker takes it, carries no actor: recorded as unknown rather than refused, which
 * would fail its order. Goes once no order worker of before the timeline has run for a retention period.
 */
const ACTOR_BEFORE_TIMELINE: Actor = { kind: 'system', id: 'unrecorded' };
const withActor = <T extends { actor: Actor }>(input: T): T => (input.actor ? input : { ...input, actor: ACTOR_BEFORE_TIMELINE });

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

    async cancelOrder(input) {
      const result = await cancelOrder(db, withActor(input));
      if (result.changed) metrics.ordersDecided.inc({ outcome: 'cancelled', reason: '' });
      activityLogger(log, { orderId: input.orderId }).info({ ...result, actor: input.actor }, 'order cancelled');
      return result;
    },

    // The fulfilment records: counted and logged as recorded only when this attempt recorded them.
    async recordShipment(input) {
      const result = await recordShipment(db, withActor(input));
      if (result.changed) metrics.shipments.inc();
      activityLogger(log, { orderId: input.orderId }).info({ ...result, shipmentId: input.shipment.shipmentId, status: input.status }, 'shipment recorded');
      return result;
    },

    async recordDelivery(input) {
      const result = await recordDelivery(db, withActor(input));
      if (result.changed) metrics.deliveries.inc();
      activityLogger(log, { orderId: input.orderId }).info({ ...result, shipmentId: input.shipmentId, status: input.status }, 'delivery recorded');
      return result;
    },

    async recordReturn(input) {
      const result = await recordReturn(db, withActor(input));
      if (result.changed) metrics.returnsRequested.inc();
      activityLogger(log, { orderId: input.orderId }).info({ ...result, returnId: input.returnId }, 'return recorded');
      return result;
    },

    async recordReturnReceipt(input) {
      const result = await recordReturnReceipt(db, withActor(input));
      if (result.changed) metrics.returnsReceived.inc({ restocked: String(input.restocked) });
      activityLogger(log, { orderId: input.orderId }).info({ ...result, returnId: input.returnId, refundCents: input.refundCents, status: input.status }, 'return received');
      return result;
    },

    // What was refunded is the payment service's record; here it goes on the log line and the timeline.
    async recordUnshippedCancelled(input) {
      const result = await recordUnshippedCancelled(db, input);
      const units = input.lines.reduce((sum, line) => sum + line.quantity, 0);
      if (result.changed) metrics.unitsCancelledUnshipped.inc(units);
      activityLogger(log, { orderId: input.orderId }).info({ ...result, lines: input.lines, units, refundCents: input.refundCents, status: input.status }, 'unshipped units cancelled');
      return result;
    },

    // The outbox: a relay's long poll, heartbeating so that a cancelled or timed-out relay stops waiting.
    async unpublishedEvents({ limit, waitMs }) {
      const context = Context.current();
      const batch = Math.max(1, Math.min(limit, TIMELINE_LIMITS.publishBatch));
      const deadline = Date.now() + waitMs;
      for (;;) {
        const events = await findUnpublishedEvents(db, batch);
        const left = deadline - Date.now();
        if (events.length > 0 || left <= 0) return events;
        context.heartbeat();
        await context.sleep(Math.min(OUTBOX_POLL_MS, left));
      }
    },

    async markEventsPublished({ eventIds }) {
      const marked = await markPublished(db, eventIds);
      activityLogger(log).debug({ marked, asked: eventIds.length }, 'events published');
      return { marked };
    },
  };
}
