import type { Kysely } from 'kysely';
import type { PaymentView } from './contract.js';
import { findPayment, toView } from './repository.js';
import type { PaymentDb } from './schema.js';

/** Payments as the API reads them, through the payment service's reader role. */
export interface PaymentReads {
  /** An order's payment; undefined for an order that never reached its authorisation. */
  paymentOf(orderId: string): Promise<PaymentView | undefined>;
}

/** Takes a connection to the service's schema; its tables are the service's own business. */
export function createPaymentReads<DB>(connection: Kysely<DB>): PaymentReads {
  const db = connection as unknown as PaymentDb;
  return {
    async paymentOf(orderId) {
      const row = await findPayment(db, orderId);
      return row && toView(row);
    },
  };
}
