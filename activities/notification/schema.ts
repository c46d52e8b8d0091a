import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

import type { EmailKind } from './contract.js';

export interface NotificationTable {
  order_id: string;
  kind: EmailKind;
  /** The shipment, return or refund the email is about; '' for the order's own. */
  reference: ColumnType<string, string | undefined, never>;
  recipient: string;
  subject: string;
  message_id: string;
  status: 'PENDING' | 'SENT';
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
  sending_until: Date | null;
}

export interface NotificationDatabase {
  notifications: NotificationTable;
}

export type NotificationDb = Kysely<NotificationDatabase> | Transaction<NotificationDatabase>;
