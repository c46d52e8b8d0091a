import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { EmailKind, EmailOrder } from '../activities/notification/contract.js';
import { ORDER_TASK_QUEUE, type NewOrder, type OrderLineInput, type OrderStatus, type PricedOrder, type RejectionReason } from '../activities/order/contract.js';
import type { FulfilmentLine, OrderReturn, Shipment } from '../activities/order/fulfilment.contract.js';
import type { Actor } from '../activities/order/timeline.contract.js';
import type { PaymentRequest } from '../activities/payment/contract.js';

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
  /** Temporal duration string; how long a confirmed order stays cancellable by its customer. */
  cancellationWindow: Duration;
  /** How long after delivery the customer may ask for a return; the workflow completes when it closes. */
  returnWindow?: Duration;
  /** How long after the first shipment the rest may still ship; what has not shipped by then is cancelled and refunded. */
  fulfilmentWindow?: Duration;
  /** The client's payment-method token; an order without one carries no payment (nothing is charged or refunded). */
  payment?: PaymentRequest;
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
  /** While true, a PENDING or CONFIRMED order can still be cancelled (by staff; by its customer only until customerCancellableUntil). */
  cancellable: boolean;
  /** When the customer's cancellation window closes (ISO time); set at confirmation. */
  customerCancellableUntil?: string;
  /** Set from the first shipment on. */
  shipments?: Shipment[];
  returns?: OrderReturn[];
  /** Units that will never ship (the fulfilment window closed on them); refunded, their stock released. */
  cancelledLines?: FulfilmentLine[];
  /** When the return window closes (ISO time); set once everything was delivered. */
  returnableUntil?: string;
}

export interface CancelRequest {
  /** Who asked (the caller's subject, or the mechanism for the system), recorded with the cancellation. */
  requestedBy: string;
  reason?: string;
  /** Staff (operators, admins) may cancel until the first shipment; a customer only within the cancellation window. */
  byStaff?: boolean;
  /**
   * The workflow cancels on its own (a lapsing authorisation, a cancellation through Temporal):
   * `requestedBy` names the mechanism. Never from the cancelOrder Update, whose validator refuses it.
   */
  bySystem?: boolean;
}

/** Who a cancel is recorded as (the timeline's actor): the system, staff or the customer, as the request says. */
export const cancelActor = (request: CancelRequest): Actor => ({
  kind: request.bySystem ? 'system' : request.byStaff ? 'staff' : 'customer',
  id: request.requestedBy,
});

/** Staff record a shipment: `lines` absent ships every unshipped unit. */
export interface ShipRequest {
  /** Made by the API from the Idempotency-Key: a retried request is the same shipment. */
  shipmentId: string;
  lines?: FulfilmentLine[];
  carrier: string;
  trackingNumber: string;
  requestedBy: string;
}

export interface DeliveryRequest {
  shipmentId: string;
  requestedBy: string;
}

/** The customer asks to send delivered units back, within the return window. */
export interface ReturnRequest {
  returnId: string;
  lines: FulfilmentLine[];
  reason: string;
  requestedBy: string;
}

/** Staff received a return: restocked or not, and refunded for what came back. */
export interface ReturnReceipt {
  returnId: string;
  restock: boolean;
  requestedBy: string;
}

export type { EmailKind, EmailOrder };

export const getOrderState = defineQuery<OrderState>('getOrderState');

/**
 * Cancels the order and answers with its state once the cancellation is done. The validator
 * refuses (nothing is written to history) when the order can no longer be cancelled.
 */
export const cancelOrder = defineUpdate<OrderState, [CancelRequest]>('cancelOrder');

/**
 * Fulfilment, each an Update answered once the step is recorded (payment captured at the first
 * shipment, refund issued at a receipt). Each Update's ID is made by `fulfilmentUpdateId`, so a
 * repeated request is answered by the first one's result and does nothing twice. The validators
 * refuse (NOT_SHIPPABLE, NOT_RETURNABLE, UNKNOWN_SHIPMENT, UNKNOWN_RETURN) before anything is
 * written to history.
 */
export const shipOrder = defineUpdate<OrderState, [ShipRequest]>('shipOrder');
export const deliverShipment = defineUpdate<OrderState, [DeliveryRequest]>('deliverShipment');
export const requestReturn = defineUpdate<OrderState, [ReturnRequest]>('requestReturn');
export const receiveReturn = defineUpdate<OrderState, [ReturnReceipt]>('receiveReturn');

export type FulfilmentStep = 'ship' | 'deliver' | 'return' | 'receive';
export const fulfilmentUpdateId = (step: FulfilmentStep, id: string) => `${step}-${id}`;
