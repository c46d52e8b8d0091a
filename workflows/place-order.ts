import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory/activities.js';
import type { NotificationActivities } from '../activities/notification/activities.js';
import type { OrderActivities } from '../activities/order/activities.js';
import type { ProductActivities } from '../activities/product/activities.js';
import type { OrderStatus, PlaceOrderInput, PricedOrder } from '../activities/order/types.js';
import { isRejectionReason, type RejectionReason } from '../common/failures.js';
import {
  inventoryActivityOptions,
  notificationActivityOptions,
  orderActivityOptions,
  productActivityOptions,
} from './activity-options.js';
import { getOrderState, type OrderState } from './definitions.js';
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
 */
export async function PlaceOrder(input: PlaceOrderInput): Promise<OrderState> {
  const { orderId } = input;
  const state: OrderState = {
    orderId,
    customerId: input.customerId,
    lines: input.lines,
    placedAt: workflowInfo().startTime.toISOString(),
    status: 'PENDING',
  };
  setHandler(getOrderState, () => state);

  const setStatus = (status: OrderStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
  };

  await order.recordOrder({
    orderId,
    customerId: input.customerId,
    customerEmail: input.customerEmail,
    lines: input.lines,
    ...(input.shippingAddress && { shippingAddress: input.shippingAddress }),
  });

  let priced: PricedOrder;
  try {
    priced = await product.priceOrderLines(input.lines);
    await inventory.reserveStock({ orderId, lines: input.lines });
  } catch (error) {
    const reason = rejectionReasonOf(error);
    if (!reason) throw error;
    log.info('order rejected', { orderId, reason });
    await order.rejectOrder({ orderId, reason });
    state.reason = reason;
    setStatus('REJECTED');
    await notification.sendOrderEmail({
      kind: 'ORDER_REJECTED',
      to: input.customerEmail,
      order: { orderId, lines: input.lines.map((line) => ({ ...line, name: null, unitPriceCents: null, lineTotalCents: null })), totalCents: null, currency: null, reason },
    });
    return state;
  }

  // From here on stock is held for this order: if confirming fails, give it back.
  try {
    await order.confirmOrder({ orderId, priced });
    await inventory.commitReservation({ orderId });
  } catch (error) {
    await inventory.releaseReservation({ orderId, reason: 'order could not be confirmed' });
    throw error;
  }
  state.priced = priced;
  setStatus('CONFIRMED');

  await notification.sendOrderEmail({
    kind: 'ORDER_CONFIRMED',
    to: input.customerEmail,
    order: { orderId, ...priced },
  });
  return state;
}
