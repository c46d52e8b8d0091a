import type { Generated, Kysely, Transaction } from 'kysely';

export const EMAIL_KINDS = ['ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export interface NotificationTable {
  order_id: string;
  kind: EmailKind;
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
