import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

import type { EmailKind } from './contract.js';
import type { DeliveryStatus, WebhookEventType, WebhookPayload } from './webhooks.contract.js';

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

export interface WebhookSubscriptionTable {
  subscription_id: string;
  url: string;
  events: WebhookEventType[];
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  description: string | null;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** The circuit breaker (migration 0007): failed attempts in a row, and until when none is made. */
  consecutive_failures: Generated<number>;
  open_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Readable by the owner role only (row-level security, no policy): see migration 0005. */
export interface WebhookSecretTable {
  subscription_id: string;
  secret: string;
}

export interface WebhookDeliveryTable {
  delivery_id: string;
  subscription_id: string;
  event_id: string;
  event_type: WebhookEventType;
  order_id: string;
  payload: ColumnType<WebhookPayload, string, string>;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  failure: string | null;
  created_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface WebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  started_at: Generated<Date>;
  finished_at: Date | null;
  status_code: number | null;
  latency_ms: number | null;
  response_excerpt: string | null;
  error: string | null;
}

export interface NotificationDatabase {
  notifications: NotificationTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_secrets: WebhookSecretTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
}

export type NotificationDb = Kysely<NotificationDatabase> | Transaction<NotificationDatabase>;
