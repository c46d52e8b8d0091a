import type { InventoryActivities } from '../../activities/inventory/contract.js';
import type { NotificationActivities } from '../../activities/notification/contract.js';
import type { OrderActivities, OrderLineInput, PricedOrder } from '../../activities/order/contract.js';
import type { PaymentActivities } from '../../activities/payment/contract.js';
import type { ProductActivities } from '../../activities/product/contract.js';
import type { ServiceName } from '../../common/config.js';

const priced = (lines: OrderLineInput[]): PricedOrder => ({
  lines: lines.map((line) => ({ ...line, name: `Item ${line.sku}`, unitPriceCents: 100, lineTotalCents: 100 * line.quantity })),
  totalCents: lines.reduce((sum, line) => sum + 100 * line.quantity, 0),
  currency: 'EUR',
});

/**
 * Every activity the order saga calls, returning at once with a valid result: a twin of the
 * system whose only cost is Temporal's (and the SDK's). Typed by the real activities, so the
 * twin stops compiling when the saga calls something new.
 */
export const NOOP_ACTIVITIES = {
  product: {
    async priceOrder(lines: OrderLineInput[]) {
      return { ok: true, value: priced(lines) };
    },
  } satisfies Pick<ProductActivities, 'priceOrder'>,
  inventory: {
    async reserveOrderStock() {
      return { ok: true, value: { changed: true, status: 'RESERVED' } };
    },
    async commitReservation() {
      return { changed: true, status: 'COMMITTED' };
    },
    async releaseReservation() {
      return { changed: true, status: 'RELEASED' };
    },
  } satisfies Pick<InventoryActivities, 'reserveOrderStock' | 'commitReservation' | 'releaseReservation'>,
  order: {
    async recordOrder() {
      return { created: true };
    },
    async confirmOrder() {
      return { changed: true };
    },
    async rejectOrder() {
      return { changed: true };
    },
    async cancelOrder() {
      return { changed: true };
    },
  } satisfies Pick<OrderActivities, 'recordOrder' | 'confirmOrder' | 'rejectOrder' | 'cancelOrder'>,
  notification: {
    async sendOrderEmail(input) {
      return { messageId: `<${input.order.orderId}.${input.kind}@twin.invalid>`, sent: true };
    },
  } satisfies Pick<NotificationActivities, 'sendOrderEmail'>,
  payment: {
    async authorisePayment(input) {
      return { ok: true, value: { authorisationId: `twin_${input.orderId}`, amountCents: input.amountCents, currency: input.currency, expiresAt: '2099-01-01T00:00:00.000Z' } };
    },
    async capturePayment() {
      return { ok: true, value: { changed: true, status: 'CAPTURED' } };
    },
    async voidPayment() {
      return { changed: true, status: 'VOIDED' };
    },
    async refundPayment() {
      return { changed: true, status: 'REFUNDED' };
    },
  } satisfies PaymentActivities,
} satisfies Record<ServiceName, object>;
