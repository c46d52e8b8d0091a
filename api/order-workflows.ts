import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { OrderStatus, OrderView } from '../activities/order/types.js';
import {
  cancelOrder,
  getOrderState,
  orderWorkflowId,
  PLACE_ORDER,
  placeOrderMemo,
  type OrderState,
  type PlaceOrderInput,
  type PlaceOrderMemo,
} from '../workflows/place-order.contract.js';
import { FAILURE } from '../common/failures.js';
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
    // Read back by orderFromWorkflow until the order service has recorded the order.
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

/** Describing a workflow needs only the Temporal server; past this the API answers 503 rather than hang. */
const READ_DEADLINE_MS = 3_000;

/** The OrderStatus the workflow has set (PENDING from its start). */
const statusOf = (description: WorkflowExecutionDescription) => (description.typedSearchAttributes.get(ORDER_STATUS) as OrderStatus | undefined) ?? 'PENDING';

/**
 * The order as Temporal knows it, for the moment before the order service has recorded it (a busy
 * or stopped order worker): describe() is answered by the server alone, from what the workflow was
 * started with (the lines in its memo, the customer in its CustomerId search attribute, its start
 * time) and the OrderStatus it has set since. Undefined when there is no such workflow.
 */
export async function orderFromWorkflow(client: Client, orderId: string): Promise<OrderView | undefined> {
  const handle = client.workflow.getHandle<typeof PlaceOrder>(orderWorkflowId(orderId));
  try {
    return await client.withDeadline(Date.now() + READ_DEADLINE_MS, async () => {
      const description = await handle.describe();
      // Ended without a record (the order service refused the order's data): its result, in the history, says why.
      if (description.status.name === 'COMPLETED') return viewOfState(await handle.result());
      const memo = description.memo as Partial<PlaceOrderMemo> | undefined;
      // Started by an API from before the memo: only the workflow knows the lines (a query needs a worker).
      if (!memo?.lines) return viewOfState(await handle.query(getOrderState));
      const startedAt = description.startTime.toISOString();
      return {
        orderId,
        customerId: description.typedSearchAttributes.get(CUSTOMER_ID) ?? '',
        status: statusOf(description),
        lines: memo.lines.map((line) => ({ ...line, name: null, unitPriceCents: null, lineTotalCents: null })),
        totalCents: null,
        currency: null,
        createdAt: startedAt,
        updatedAt: startedAt,
      };
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Where the order's workflow says the order stands (its OrderStatus search attribute, set once a
 * step is done: CONFIRMED once the stock is committed), from describe(): no worker needed.
 * Undefined when there is no such workflow.
 */
export async function workflowOrderStatus(client: Client, orderId: string): Promise<OrderStatus | undefined> {
  try {
    const description = await client.withDeadline(Date.now() + READ_DEADLINE_MS, () => client.workflow.getHandle(orderWorkflowId(orderId)).describe());
    return statusOf(description);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

function viewOfState(state: OrderState): OrderView {
  return {
    orderId: state.orderId,
    customerId: state.customerId,
    status: state.status,
    lines: state.priced
      ? state.priced.lines
      : state.lines.map((line) => ({ ...line, name: null, unitPriceCents: null, lineTotalCents: null })),
    totalCents: state.priced?.totalCents ?? null,
    currency: state.priced?.currency ?? null,
    ...(state.reason && { reason: state.reason }),
    createdAt: state.placedAt,
    updatedAt: state.placedAt,
  };
}

/**
 * Asks the order's workflow to cancel (a Temporal Update: the answer comes once the stock is
 * released and the order marked CANCELLED). The update's validator refuses an order past its
 * window with NOT_CANCELLABLE (a 409 through the API's failure table); a workflow that has
 * completed (the window closed) is refused the same way.
 */
export async function requestCancellation(client: Client, orderId: string, requestedBy: string): Promise<void> {
  const notCancellable = (message: string) => ApplicationFailure.create({ type: FAILURE.notCancellable, message, nonRetryable: true });
  let state: OrderState;
  try {
    state = await client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(cancelOrder, { args: [{ requestedBy }] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notCancellable(`Order ${orderId} can no longer be cancelled`);
    throw error;
  }
  if (state.status !== 'CANCELLED') throw notCancellable(`Order ${orderId} is ${state.status} and can no longer be cancelled`);
}
