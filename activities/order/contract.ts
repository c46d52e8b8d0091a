import { INVALID_DATA } from '../../common/domain-error.js';
import { INVENTORY_FAILURE } from '../inventory/contract.js';
import { PAYMENT_FAILURE } from '../payment/contract.js';
import { PRODUCT_FAILURE, type OrderLine, type PricedOrder } from '../product/contract.js';
import type { FulfilmentLine, OrderReturn, Shipment } from './fulfilment.contract.js';
import type { Actor, PublishedOrderEvent } from './timeline.contract.js';

/**
 * The order service's contract: an order's record and lifecycle. Its worker also hosts the
 * workflows (workflows/). Pure: workflow code imports it.
 */
export const ORDER_TASK_QUEUE = 'order';

/**
 * PENDING -> CONFIRMED | REJECTED; CONFIRMED -> CANCELLED (until the first shipment); CONFIRMED ->
 * PARTIALLY_SHIPPED -> SHIPPED -> DELIVERED -> PARTIALLY_RETURNED | RETURNED (see fulfilment.ts).
 */
export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_FAILURE = {
  /** The order is not in a state that allows the transition (e.g. confirm a rejected order). */
  invalidOrderState: 'INVALID_ORDER_STATE',
  /** A cancel that comes too late: the order is rejected, or its cancellation window has closed. */
  notCancellable: 'NOT_CANCELLABLE',
  /** A shipment the order cannot take: not confirmed yet, ended, or lines it does not have left to ship. */
  notShippable: 'NOT_SHIPPABLE',
  /** A return the order cannot take: nothing delivered, the window closed, or lines not delivered or already returned. */
  notReturnable: 'NOT_RETURNABLE',
  /** A shipment or return ID the order does not have. */
  unknownShipment: 'UNKNOWN_SHIPMENT',
  unknownReturn: 'UNKNOWN_RETURN',
} as const;

/** Why an order ends REJECTED: pricing's and the reservation's refusals, or data PostgreSQL refused. */
export const REJECTION_REASONS = [
  PRODUCT_FAILURE.unknownProduct,
  PRODUCT_FAILURE.inactiveProduct,
  INVENTORY_FAILURE.outOfStock,
  PAYMENT_FAILURE.declined,
  PRODUCT_FAILURE.mixedCurrency,
  PRODUCT_FAILURE.orderTooLarge,
  INVALID_DATA,
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const isRejectionReason = (type: string | undefined | null): type is RejectionReason => (REJECTION_REASONS as readonly (string | undefined | null)[]).includes(type);

export type OrderLineInput = OrderLine;
export type { PricedOrder };

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface NewOrder {
  orderId: string;
  customerId: string;
  customerEmail: string;
  lines: OrderLineInput[];
  shippingAddress?: ShippingAddress;
}

/** An order as the API answers it; lines carry names and prices once the order is priced. */
export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: Array<{ sku: string; name: string | null; quantity: number; unitPriceCents: number | null; lineTotalCents: number | null }>;
  totalCents: number | null;
  currency: string | null;
  reason?: RejectionReason | string;
  /** Units that will never ship: the fulfilment window closed on them, their stock was released and their price refunded. */
  cancelledLines: FulfilmentLine[];
  /** In the order they were shipped; empty until the first one. */
  shipments: Shipment[];
  /** In the order they were asked for; empty until the first one. */
  returns: OrderReturn[];
  createdAt: string;
  updatedAt: string;
}

export interface OrderSummary {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  totalCents: number | null;
  currency: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A search of orders (activities/order/search.ts), newest first; every filter given must hold. */
export interface OrderListQuery {
  /** One customer's orders: a customer's own list, or staff searching by customer. */
  customerId?: string;
  status?: OrderStatus;
  /** Orders having a line of this SKU. */
  sku?: string;
  /** Created at or after this instant (ISO 8601 date-time; inclusive). */
  from?: string;
  /** Created before this instant (ISO 8601 date-time; exclusive). */
  to?: string;
  limit: number;
  cursor?: string;
}

/** The lines of an order not priced yet, shaped as an order's lines: the one place that shape is made. */
export const unpricedLines = (lines: readonly OrderLineInput[]): OrderView['lines'] =>
  lines.map((line) => ({ sku: line.sku, quantity: line.quantity, name: null, unitPriceCents: null, lineTotalCents: null }));

/**
 * What the order service does for workflows (task queue `order`; record and confirm run as local
 * activities). Every change writes its timeline event (timeline.contract.ts) in the same statement,
 * with `actor` (the order's customer for recordOrder, SYSTEM_ACTOR for the saga's own steps); a
 * replay changes nothing and writes no event.
 */
export interface OrderActivities {
  /** Records a PENDING order; a replay (same order ID) changes nothing. */
  recordOrder(order: NewOrder): Promise<{ created: boolean }>;
  confirmOrder(input: { orderId: string; priced: PricedOrder }): Promise<{ changed: boolean }>;
  rejectOrder(input: { orderId: string; reason: RejectionReason }): Promise<{ changed: boolean }>;
  cancelOrder(input: { orderId: string; reason: string; actor: Actor }): Promise<{ changed: boolean }>;
  /**
   * The fulfilment records, each idempotent per shipment or return ID, each setting the status
   * the workflow computed with the rules of fulfilment.contract.ts in the same transaction.
   * `capturedCents`: the payment the first shipment captured (a payment.captured event with it).
   */
  recordShipment(input: { orderId: string; shipment: Omit<Shipment, 'shippedAt' | 'deliveredAt'>; status: OrderStatus; actor: Actor; capturedCents?: number }): Promise<{ changed: boolean; shippedAt: string }>;
  recordDelivery(input: { orderId: string; shipmentId: string; status: OrderStatus; actor: Actor }): Promise<{ changed: boolean; deliveredAt: string }>;
  recordReturn(input: { orderId: string; returnId: string; lines: FulfilmentLine[]; reason: string; actor: Actor }): Promise<{ changed: boolean; requestedAt: string }>;
  /** A refund above zero writes payment.refunded beside order.returned. */
  recordReturnReceipt(input: { orderId: string; returnId: string; restocked: boolean; refundCents: number; status: OrderStatus; actor: Actor }): Promise<{ changed: boolean; receivedAt: string }>;
  /** Units that will never ship (the fulfilment window closed on them), with what was refunded for them; once per order. */
  recordUnshippedCancelled(input: { orderId: string; lines: FulfilmentLine[]; refundCents: number; status: OrderStatus }): Promise<{ changed: boolean }>;
  /**
   * The outbox (for the WebhookRelay): the oldest timeline events not yet published, oldest first,
   * waiting up to `waitMs` (heartbeating) for at least one. Reading claims nothing: an event stays
   * unpublished until markEventsPublished, so a relay that dies between the two publishes again.
   */
  unpublishedEvents(input: { limit: number; waitMs: number }): Promise<PublishedOrderEvent[]>;
  markEventsPublished(input: { eventIds: string[] }): Promise<{ marked: number }>;
}
