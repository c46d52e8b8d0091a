import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { ORDER_FAILURE } from '../activities/order/contract.js';
import {
  cancelOrder,
  fulfilmentUpdateId,
  orderWorkflowId,
  PLACE_ORDER,
  placeOrderMemo,
  type FulfilmentStep,
  type OrderState,
  type PlaceOrderInput,
} from '../workflows/place-order.contract.js';
import { orderDetails } from '../workflows/order-details.js';
import type { PlaceOrder } from '../workflows/place-order.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../workflows/search-attributes.js';
import { idempotencyDigest, startOnce } from './idempotency.js';

/** A UUID derived from an Idempotency-Key and its scope: the same parts, the same UUID. */
function derivedUuid(...parts: string[]): string {
  const hex = idempotencyDigest(...parts);
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The order ID for a request: a fresh UUID, or with an Idempotency-Key a UUID derived from
 * (customer, key), so that a retried POST lands on the same workflow ID.
 */
export function orderIdFor(customerId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined ? randomUUID() : derivedUuid(customerId, idempotencyKey);
}

/**
 * A shipment's or a return's ID: derived from (order, key) when the request has an
 * Idempotency-Key, so that a retry is the same shipment or return (and the same Update ID);
 * a fresh UUID otherwise (a return without a key).
 */
export function fulfilmentIdFor(kind: 'shipment' | 'return', orderId: string, idempotencyKey: string | undefined): string {
  return idempotencyKey === undefined ? randomUUID() : derivedUuid(orderId, kind, idempotencyKey);
}

/**
 * How long starting an order may take before the API answers 503 (the client retries with the
 * same Idempotency-Key). Without it the SDK's own retries would hold a request ~25 s when
 * Temporal is down.
 */
const START_DEADLINE_MS = 5_000;

/** Starts PlaceOrder once per order ID; a different body under the same Idempotency-Key is a 409. */
export async function placeOrder(client: Client, input: PlaceOrderInput, request: { body: unknown; keyed: boolean }): Promise<WorkflowHandle<typeof PlaceOrder>> {
  const options = {
    taskQueue: PLACE_ORDER.taskQueue,
    workflowId: orderWorkflowId(input.orderId),
    args: [input] as [PlaceOrderInput],
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    // Read back by the order service's read port until it has recorded the order.
    memo: placeOrderMemo(input),
    typedSearchAttributes: [
      { key: CUSTOMER_ID, value: input.customerId },
      { key: ORDER_STATUS, value: 'PENDING' },
    ],
    staticSummary: `Order ${input.orderId}: ${input.lines.length} line(s) for customer ${input.customerId}`,
    // What was ordered, as placed; the workflow's current details carry prices and totals.
    staticDetails: orderDetails({ ...input, placedAt: '', status: 'PENDING', cancellable: true }, input),
  };
  return client.withDeadline(Date.now() + START_DEADLINE_MS, () => startOnce<typeof PlaceOrder>(client, PLACE_ORDER.workflowType, options, request));
}

/**
 * Asks the order's workflow to cancel (a Temporal Update: the answer comes once the stock is
 * released and the order marked CANCELLED). The update's validator refuses an order past its
 * window (staff's: the first shipment; a customer's: the cancellation window) with NOT_CANCELLABLE (a 409 through the API's failure table); a workflow that has
 * completed (the window closed) is refused the same way.
 */
export async function requestCancellation(client: Client, orderId: string, request: { requestedBy: string; byStaff: boolean }): Promise<void> {
  const notCancellable = (message: string) => ApplicationFailure.create({ type: ORDER_FAILURE.notCancellable, message, nonRetryable: true });
  let state: OrderState;
  try {
    state = await client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(cancelOrder, { args: [request] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notCancellable(`Order ${orderId} can no longer be cancelled`);
    throw error;
  }
  if (state.status !== 'CANCELLED') throw notCancellable(`Order ${orderId} is ${state.status} and can no longer be cancelled`);
}

/**
 * Sends one fulfilment Update (ship, deliver, return, receive) and waits for its answer: the step
 * recorded. Its Update ID comes from the shipment or return ID, so a repeated request is answered
 * with the first one's result and does nothing twice. The validator's refusals (NOT_SHIPPABLE,
 * UNKNOWN_SHIPMENT...) reach the API's failure table as they are. Undefined when the workflow has
 * completed (its return window closed, or its last return was received) and takes no more Updates.
 */
export async function sendFulfilmentUpdate<Request>(
  client: Client,
  orderId: string,
  step: FulfilmentStep,
  id: string,
  update: UpdateDefinition<OrderState, [Request]>,
  request: Request,
): Promise<OrderState | undefined> {
  try {
    return await client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(update, { args: [request], updateId: fulfilmentUpdateId(step, id) });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
