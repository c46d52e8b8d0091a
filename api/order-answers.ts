import type { OrderView } from '../activities/order/contract.js';
import type { PaymentView } from '../activities/payment/contract.js';
import type { Principal } from '../common/tokens.js';
import { isStaff } from './auth.js';
import type { Readers } from './context.js';
import { notFound } from './errors.js';

/** What an order's answer says of its payment: the amounts, not the provider's IDs or decline codes. */
const paymentOf = (view: PaymentView | undefined) =>
  view ? { status: view.status, amountCents: view.amountCents, currency: view.currency, capturedCents: view.capturedCents, refundedCents: view.refundedCents } : null;

/**
 * An order as every order operation answers it: the order service's record with its payment
 * (the payment service's read port), for a principal allowed to see it.
 */
export function orderAnswers({ orders, payments }: Readers) {
  /** The order if this principal may see it (its owner, or staff); another customer's is indistinguishable from a missing one. */
  const visibleOrder = async (principal: Principal, orderId: string): Promise<OrderView> => {
    const order = await orders.order(orderId);
    if (!order || (!isStaff(principal) && order.customerId !== principal.sub)) throw notFound(`Order ${orderId}`);
    return order;
  };

  return {
    visibleOrder,
    /** The order as answered, its payment read beside it. */
    answer: async (principal: Principal, orderId: string) => {
      const [order, payment] = await Promise.all([visibleOrder(principal, orderId), payments.paymentOf(orderId)]);
      return { ...order, payment: paymentOf(payment) };
    },
    /** An order already read (e.g. once decided), with its payment. */
    withPayment: async (order: OrderView) => ({ ...order, payment: paymentOf(await payments.paymentOf(order.orderId)) }),
  };
}
