import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory/activities.js';
import type { NotificationActivities } from '../activities/notification/activities.js';
import type { EmailOrder } from '../activities/notification/templates.js';
import type { OrderActivities } from '../activities/order/activities.js';
import type { ProductActivities } from '../activities/product/activities.js';
import type { OrderStatus, PlaceOrderInput, PricedOrder } from '../activities/order/types.js';
import { FAILURE, isRejectionReason, type RejectionReason } from '../common/failures.js';
import {
  inventoryActivityOptions,
  notificationActivityOptions,
  orderActivityOptions,
  productActivityOptions,
} from './activity-options.js';
import { cancelOrder, getOrderState, type CancelRequest, type OrderState } from './definitions.js';
import { ORDER_STATUS } from './search-attributes.js';

const product = proxyActivities<ProductActivities>(productActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);
const order = proxyActivities<OrderActivities>(orderActivityOptions);
const notification = proxyActivities<NotificationActivities>(notificationActivityOptions);

/** The business reason carried by a non-retryable activity failure, if it is one that rejects an order. */
function rejectionReasonOf(error: unknown): RejectionReason | undefined {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && isRejectionReason(error.cause.type)) {
    return error.cause.type;
  }
  return undefined;
}

/**
 * The order saga. Workflow ID: `order-<orderId>`.
 *   1. record the order as PENDING                       (order)
 *   2. snapshot product names and prices                 (product)      unknown/inactive -> REJECTED
 *   3. reserve stock for every line, all or nothing      (inventory)    short            -> REJECTED
 *   4. confirm with totals, commit the reservation       (order, inventory)
 *   5. email the customer; a mail outage delays the email, never the order (notification)
 *   6. stay cancellable for the cancellation window (a durable timer); a cancel releases the
 *      stock, marks the order CANCELLED and emails the customer.
 * A cancel that arrives while the order is PENDING takes effect at the next step boundary.
 */
export async function PlaceOrder(input: PlaceOrderInput): Promise<OrderState> {
  const { orderId } = input;
  const state: OrderState = {
    orderId,
    customerId: input.customerId,
    lines: input.lines,
    placedAt: workflowInfo().startTime.toISOString(),
    status: 'PENDING',
    cancellable: true,
  };
  let cancelRequest: CancelRequest | undefined;

  setHandler(getOrderState, () => state);
  setHandler(
    cancelOrder,
    async (request) => {
      // Concurrent cancels share one cancellation: the first request is the one acted on.
      cancelRequest ??= request;
      await condition(() => state.status === 'CANCELLED' || !state.cancellable);
      return state;
    },
    {
      validator: (_request: CancelRequest) => {
        if (state.status === 'CANCELLED') return;
        if (!state.cancellable) {
          throw ApplicationFailure.create({
            type: FAILURE.notCancellable,
            message: state.status === 'REJECTED' ? `Order ${orderId} was rejected` : `The cancellation window of order ${orderId} has closed`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  const setStatus = (status: OrderStatus) => {
    state.status = status;
    if (status === 'REJECTED') state.cancellable = false;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    // What an operator sees first in the Web UI.
    const details: Record<OrderStatus, string> = {
      PENDING: 'Placing the order',
      CONFIRMED: `**Confirmed**, ${state.priced?.totalCents ?? '?'} ${state.priced?.currency ?? ''} (minor units); cancellable for ${input.cancellationWindow}`,
      REJECTED: `**Rejected**: ${state.reason ?? 'unknown reason'}`,
      CANCELLED: `**Cancelled**: ${state.reason ?? ''}`,
    };
    setCurrentDetails(details[status]);
  };
  const unpriced = (): EmailOrder => ({
    orderId,
    lines: input.lines.map((line) => ({ ...line, name: null, unitPriceCents: null, lineTotalCents: null })),
    totalCents: null,
    currency: null,
  });
  // An email once started runs to its end even if the workflow is cancelled: abandoning it
  // mid-send and sending again could reach the customer twice.
  const email = (kind: 'ORDER_CONFIRMED' | 'ORDER_REJECTED' | 'ORDER_CANCELLED', content: EmailOrder) =>
    CancellationScope.nonCancellable(() => notification.sendOrderEmail({ kind, to: input.customerEmail, order: content }));
  let confirmation: Promise<unknown> | undefined;

  /** Gives back whatever stock the order holds (idempotent), records the cancellation, tells the customer. */
  const cancel = async (request: CancelRequest, emailContent: EmailOrder, pending: Promise<unknown>[] = []) => {
    const reason = request.reason ?? `cancelled by ${request.requestedBy}`;
    await inventory.releaseReservation({ orderId, reason: `order cancelled: ${reason}` });
    await order.cancelOrder({ orderId, reason });
    state.reason = reason;
    state.cancellable = false;
    setStatus('CANCELLED');
    await Promise.all(pending);
    await email('ORDER_CANCELLED', emailContent);
    return finish();
  };
  const finish = async () => {
    await condition(allHandlersFinished);
    return state;
  };

  const newOrder = {
    orderId,
    customerId: input.customerId,
    customerEmail: input.customerEmail,
    lines: input.lines,
    ...(input.shippingAddress && { shippingAddress: input.shippingAddress }),
  };

  /** Ends the order REJECTED for a business reason, recorded and emailed. */
  const reject = async (reason: RejectionReason) => {
    log.info('order rejected', { orderId, reason });
    await order.rejectOrder({ orderId, reason });
    state.reason = reason;
    setStatus('REJECTED');
    await email('ORDER_REJECTED', { ...unpriced(), reason });
    return finish();
  };

  const saga = async (): Promise<OrderState> => {
    try {
      await order.recordOrder(newOrder);
    } catch (error) {
      // Data the order service cannot store (a second line behind the API's validation):
      // nothing was recorded or reserved, and there is no record to reject or email from.
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      log.warn('order could not be recorded', { orderId, reason });
      state.reason = reason;
      setStatus('REJECTED');
      return finish();
    }
    if (cancelRequest) return cancel(cancelRequest, unpriced());

    let priced: PricedOrder;
    try {
      priced = await product.priceOrderLines(input.lines);
      if (cancelRequest) return cancel(cancelRequest, unpriced());
      await inventory.reserveStock({ orderId, lines: input.lines });
    } catch (error) {
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      return reject(reason);
    }
    if (cancelRequest) return cancel(cancelRequest, unpriced());

    // From here on stock is held for this order: if confirming fails, give it back.
    try {
      await order.confirmOrder({ orderId, priced });
      await inventory.commitReservation({ orderId });
    } catch (error) {
      await inventory.releaseReservation({ orderId, reason: 'order could not be confirmed' });
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      return reject(reason);
    }
    state.priced = priced;
    setStatus('CONFIRMED');

    // The email goes out in the background: the cancellation window does not wait for SMTP.
    confirmation = email('ORDER_CONFIRMED', { orderId, ...priced });
    await condition(() => cancelRequest !== undefined, input.cancellationWindow);
    // Checked after the wait, not from its result: a cancel accepted with the timer's firing still wins.
    if (cancelRequest) return cancel(cancelRequest, { orderId, ...priced }, [confirmation]);
    state.cancellable = false;
    await confirmation;
    return finish();
  };

  try {
    return await saga();
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled through Temporal itself (Web UI, CLI): settle the order as a cancellation would,
    // shielded from the cancellation so that compensation runs to the end.
    return CancellationScope.nonCancellable(async () => {
      log.warn('workflow cancelled through Temporal; settling the order', { orderId, status: state.status });
      const content = state.priced ? { orderId, ...state.priced } : unpriced();
      // The cancellation may have interrupted the recording itself: it is idempotent, so make sure.
      if (state.status === 'PENDING') await order.recordOrder(newOrder);
      await confirmation;
      if (state.cancellable) return cancel({ requestedBy: 'temporal', reason: 'workflow cancelled by an operator' }, content);
      // Decided for good already: finish what the decision owes the customer (emails are idempotent).
      if (state.status === 'REJECTED') await email('ORDER_REJECTED', { ...unpriced(), reason: String(state.reason) });
      if (state.status === 'CANCELLED') await email('ORDER_CANCELLED', content);
      return finish();
    });
  }
}
