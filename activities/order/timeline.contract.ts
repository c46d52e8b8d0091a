import type { FulfilmentLine } from './fulfilment.contract.js';
import type { OrderStatus } from './contract.js';

/**
 * An order's timeline: every change the order service records, with who caused it, when, and what
 * changed. Each event is written in the same statement as the change it records, so the timeline
 * and the order never disagree; the timeline is also the outbox that webhook events are published
 * from (see workflows/webhooks.ts). Pure: workflow code imports it.
 */
export const ORDER_EVENT_TYPES = [
  'order.placed',
  'order.confirmed',
  'order.rejected',
  'order.cancelled',
  'order.shipped',
  'order.delivered',
  'order.return_requested',
  'order.returned',
  'order.unshipped_cancelled',
  'payment.captured',
  'payment.refunded',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * Who caused a change: the customer or a member of staff (their token's subject), or the system
 * itself (`id` names the mechanism: `order-workflow` for the saga's own steps, `payment` for a
 * lapsing authorisation, `temporal` for a cancellation through Temporal).
 */
export interface Actor {
  kind: 'customer' | 'staff' | 'system';
  id: string;
}

/** The saga's own steps (confirm, reject, the fulfilment window closing). */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'order-workflow' };

/**
 * The refund of units that never shipped: one per order (the payment service's refund ID, the
 * email's reference, payment.refunded's refundId); a return's refund ID is the return's.
 */
export const UNSHIPPED_REFUND = 'unshipped';

/** What each event type records, besides the order's status after it. */
export interface OrderEventDetails {
  'order.placed': { lines: FulfilmentLine[] };
  'order.confirmed': { totalCents: number; currency: string };
  'order.rejected': { reason: string };
  'order.cancelled': { reason: string };
  'order.shipped': { shipmentId: string; lines: FulfilmentLine[]; carrier: string; trackingNumber: string };
  'order.delivered': { shipmentId: string };
  'order.return_requested': { returnId: string; lines: FulfilmentLine[]; reason: string };
  'order.returned': { returnId: string; restocked: boolean; refundCents: number };
  'order.unshipped_cancelled': { lines: FulfilmentLine[]; refundCents: number };
  'payment.captured': { amountCents: number; currency: string };
  /** `refundId`: the return's ID, or `unshipped` for units that never shipped. */
  'payment.refunded': { refundId: string; amountCents: number; currency: string };
}

/** One entry of an order's timeline, as the API answers it (`GET /orders/{id}/events`, oldest first). */
export interface OrderEvent<T extends OrderEventType = OrderEventType> {
  /** Stable and unique: a webhook receiver de-duplicates by it (it is the `webhook-id`). */
  eventId: string;
  orderId: string;
  type: T;
  /** ISO time the change was recorded (the transaction's time). */
  at: string;
  actor: Actor;
  /** The order's status right after the change. */
  status: OrderStatus;
  details: OrderEventDetails[T];
}

/** The customer the order belongs to travels with each published event (a receiver's most common filter). */
export type PublishedOrderEvent = OrderEvent & { customerId: string };

export const TIMELINE_LIMITS = {
  /** Events the relay takes from the outbox at once. */
  publishBatch: 100,
} as const;
