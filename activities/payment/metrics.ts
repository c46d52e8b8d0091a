import { Counter, Registry } from 'prom-client';

/**
 * Money in numbers, counted once per real change (a retried activity that finds its step done
 * counts nothing). The names are what the dashboard and the alert rules read.
 */
export function createPaymentMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  return {
    authorised: new Counter({ name: 'orderflow_payments_authorised_total', help: 'Payments authorised (funds held on the payment method)', registers }),
    declined: new Counter({
      name: 'orderflow_payments_declined_total',
      help: "Authorisations the provider declined, by its decline code (a bounded list: Stripe's decline codes)",
      labelNames: ['decline_code'] as const,
      registers,
    }),
    captured: new Counter({ name: 'orderflow_payments_captured_total', help: 'Payments captured (money taken)', registers }),
    voided: new Counter({ name: 'orderflow_payments_voided_total', help: 'Authorisations released without a capture', registers }),
    refunded: new Counter({ name: 'orderflow_payments_refunded_total', help: 'Refunds made, partial or whole (a cancel after capture too)', registers }),
    // Series appear with their first currency: currencies are not known in advance.
    amounts: new Counter({
      name: 'orderflow_payment_amount_cents_total',
      help: "Amounts in the currency's minor units, by operation (authorised, captured, voided, refunded) and currency",
      labelNames: ['operation', 'currency'] as const,
      registers,
    }),
  };
}

export type PaymentMetrics = ReturnType<typeof createPaymentMetrics>;
