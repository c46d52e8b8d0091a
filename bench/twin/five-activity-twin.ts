import { CancellationScope, condition, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import type { InventoryActivities } from '../../activities/inventory/contract.js';
import type { NotificationActivities } from '../../activities/notification/contract.js';
import type { OrderActivities } from '../../activities/order/contract.js';
import type { ProductActivities } from '../../activities/product/contract.js';
import type { PlaceOrderInput } from '../../workflows/place-order.contract.js';
import { ORDER_STATUS } from '../../workflows/search-attributes.js';

// Frozen: the order saga's shape up to CONFIRMED as it was on 2026-11-26 (five activities in a
// row on four task queues, then the background email and the cancellation window), with that
// day's options. The floor the benchmark started from; never change it (the current-shape twin
// is the real PlaceOrder code on no-op activities).
const retryForever = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } as const;
const options = (taskQueue: string, startToCloseTimeout: ActivityOptions['startToCloseTimeout']): ActivityOptions => ({ taskQueue, startToCloseTimeout, retry: retryForever });
const order = proxyActivities<OrderActivities>(options('order', '10s'));
const product = proxyActivities<ProductActivities>(options('product', '10s'));
const inventory = proxyActivities<InventoryActivities>(options('inventory', '15s'));
const notification = proxyActivities<NotificationActivities>({
  taskQueue: 'notification',
  startToCloseTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export async function FiveActivityTwin(input: PlaceOrderInput): Promise<string> {
  const { orderId, customerId, customerEmail, lines } = input;
  setCurrentDetails(`Order ${orderId}: PENDING`);
  await order.recordOrder.executeWithOptions({ summary: `record order (${lines.length} lines)` }, [{ orderId, customerId, customerEmail, lines }]);
  // The real saga's marker of that day (new runs take the patched branch).
  patched('rejections-as-results');
  const pricing = await product.priceOrder.executeWithOptions({ summary: `price ${lines.length} lines` }, [lines]);
  if (!pricing.ok) return 'REJECTED';
  await inventory.reserveOrderStock.executeWithOptions({ summary: `reserve ${lines.length} lines` }, [{ orderId, lines }]);
  await order.confirmOrder.executeWithOptions({ summary: `confirm ${pricing.value.totalCents} ${pricing.value.currency}` }, [{ orderId, priced: pricing.value }]);
  await inventory.commitReservation.executeWithOptions({ summary: 'commit reservation' }, [{ orderId }]);
  upsertSearchAttributes([{ key: ORDER_STATUS, value: 'CONFIRMED' }]);
  setCurrentDetails(`Order ${orderId}: CONFIRMED, ${pricing.value.totalCents} ${pricing.value.currency}`);
  const email = CancellationScope.nonCancellable(() =>
    notification.sendOrderEmail.executeWithOptions({ summary: 'email ORDER_CONFIRMED' }, [{ kind: 'ORDER_CONFIRMED', to: customerEmail, order: { orderId, ...pricing.value } }]),
  );
  await condition(() => false, input.cancellationWindow, { summary: `cancellation window ${input.cancellationWindow}` });
  setCurrentDetails(`Order ${orderId}: CONFIRMED, no longer cancellable`);
  await email;
  return 'CONFIRMED';
}
