import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ORDER_FAILURE } from '../activities/order/contract.js';
import { cancelOrder, orderWorkflowId, PLACE_ORDER, placeOrderMemo, type OrderState, type PlaceOrderInput } from '../workflows/place-order.contract.js';
import { orderDetails } from '../workflows/order-details.js';
import type { PlaceOrder } from '../workflows/place-order.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../workflows/search-attributes.js';
import { idempotencyDigest, startOnce } from './idempotency.js';

/**
 * The order ID for a request: a fresh UUID, or with an Idempotency-Key a UUID derived from
 * (customer, key), so that a retried POST lands on the same workflow ID.
 */
export function orderIdFor(customerId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const hex = idempotencyDigest(customerId, idempotencyKey);
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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
 * window with NOT_CANCELLABLE (a 409 through the API's failure table); a workflow that has
 * completed (the window closed) is refused the same way.
 */
export async function requestCancellation(client: Client, orderId: string, requestedBy: string): Promise<void> {
  const notCancellable = (message: string) => ApplicationFailure.create({ type: ORDER_FAILURE.notCancellable, message, nonRetryable: true });
  let state: OrderState;
  try {
    state = await client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(cancelOrder, { args: [{ requestedBy }] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notCancellable(`Order ${orderId} can no longer be cancelled`);
    throw error;
  }
  if (state.status !== 'CANCELLED') throw notCancellable(`Order ${orderId} is ${state.status} and can no longer be cancelled`);
}
