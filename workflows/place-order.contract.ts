import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { EmailKind, EmailOrder } from '../activities/notification/contract.js';
import { ORDER_TASK_QUEUE, type NewOrder, type OrderLineInput, type OrderStatus, type PricedOrder, type RejectionReason } from '../activities/order/contract.js';

/**
 * The PlaceOrder workflow's contract, in one place: who starts it and how (type, task queue,
 * workflow ID rule), what it takes, what it answers (state, query, update) and what it emails.
 */
export const PLACE_ORDER = {
  workflowType: 'PlaceOrder',
  taskQueue: ORDER_TASK_QUEUE,
} as const;

/** The business key: one workflow per order, so a retried start never places a second one. */
export const orderWorkflowId = (orderId: string) => `order-${orderId}`;

/**
 * Everything the saga needs, captured when the order is placed: the order as the order service
 * records it (its contract's NewOrder, passed through whole, so a field added there needs no
 * change here), and how long it stays cancellable.
 */
export type PlaceOrderInput = NewOrder & {
  /** Temporal duration string; how long a confirmed order stays cancellable. */
  cancellationWindow: Duration;
};

/**
 * What the starter puts in the workflow's memo (the workflow never reads it): the order as placed,
 * so that an order the order service has not recorded yet can be read back with describe(), which
 * needs no worker. The customer is in the CustomerId search attribute, the time is the start time.
 */
export type PlaceOrderMemo = {
  lines: OrderLineInput[];
};

export const placeOrderMemo = (input: PlaceOrderInput): PlaceOrderMemo => ({ lines: input.lines });

/** What the workflow knows of its order: its result, and the answer of the state query and the cancel update. */
export interface OrderState {
  orderId: string;
  customerId: string;
  lines: OrderLineInput[];
  placedAt: string;
  status: OrderStatus;
  reason?: RejectionReason | string;
  priced?: PricedOrder;
  /** While true, a PENDING or CONFIRMED order can still be cancelled. */
  cancellable: boolean;
}

export interface CancelRequest {
  /** Who asked (the caller's subject), recorded with the cancellation. */
  requestedBy: string;
  reason?: string;
}

export type { EmailKind, EmailOrder };

export const getOrderState = defineQuery<OrderState>('getOrderState');

/**
 * Cancels the order and answers with its state once the cancellation is done. The validator
 * refuses (nothing is written to history) when the order can no longer be cancelled.
 */
export const cancelOrder = defineUpdate<OrderState, [CancelRequest]>('cancelOrder');
