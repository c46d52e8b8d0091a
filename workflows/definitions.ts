import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OrderLineInput, OrderStatus, PricedOrder } from '../activities/order/types.js';
import type { RejectionReason } from '../common/failures.js';

/** Handler definitions and state shared by the workflow and its callers (API, CLI). */
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

export const getOrderState = defineQuery<OrderState>('getOrderState');

/**
 * Cancels the order and answers with its state once the cancellation is done. The validator
 * refuses (nothing is written to history) when the order can no longer be cancelled.
 */
export const cancelOrder = defineUpdate<OrderState, [CancelRequest]>('cancelOrder');
