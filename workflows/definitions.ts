import { defineQuery } from '@temporalio/workflow';
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
}

export const getOrderState = defineQuery<OrderState>('getOrderState');
