import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

import type { PaymentProviderName, PaymentStatus } from './contract.js';

export type OperationKind = 'authorise' | 'capture' | 'void' | 'refund';
/** What the provider answered: it did it, it declined the payment method, or the authorisation had expired. */
export type OperationOutcome = 'SUCCEEDED' | 'DECLINED' | 'EXPIRED';

export interface PaymentTable {
  order_id: string;
  provider: PaymentProviderName;
  method: string;
  authorisation_id: string | null;
  status: PaymentStatus;
  amount_cents: number;
  currency: string;
  captured_cents: ColumnType<number, number | undefined, number>;
  refunded_cents: ColumnType<number, number | undefined, number>;
  decline_code: string | null;
  authorised_at: Date | null;
  expires_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PaymentOperationTable {
  id: Generated<string>;
  order_id: string;
  kind: OperationKind;
  idempotency_key: string;
  provider_reference: string | null;
  amount_cents: number | null;
  outcome: OperationOutcome;
  created_at: Generated<Date>;
}

export interface VoidBeforeAuthorisationTable {
  order_id: string;
  reason: string;
  created_at: Generated<Date>;
}

export interface PaymentDatabase {
  payments: PaymentTable;
  payment_operations: PaymentOperationTable;
  voids_before_authorisation: VoidBeforeAuthorisationTable;
}

export type PaymentDb = Kysely<PaymentDatabase> | Transaction<PaymentDatabase>;
