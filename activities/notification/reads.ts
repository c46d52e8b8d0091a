import type { Kysely } from 'kysely';
import type { Page } from '../../common/pagination.js';
import type { NotificationView } from './contract.js';
import { listNotifications } from './repository.js';
import type { NotificationDb } from './schema.js';
import type { WebhookDelivery, WebhookSubscription } from './webhooks.contract.js';
import { findDelivery, findSubscription, listDeliveries, listSubscriptions } from './webhooks.repository.js';

/** Order emails and webhooks as the API reads them, through the notification service's reader role. */
export interface NotificationReads {
  /** An order's emails, oldest first. */
  forOrder(orderId: string): Promise<NotificationView[]>;
  /** Every webhook subscription, oldest first (never a secret: the reader role cannot read them). */
  webhookSubscriptions(): Promise<WebhookSubscription[]>;
  webhookSubscription(subscriptionId: string): Promise<WebhookSubscription | undefined>;
  /** A subscription's delivery log: its deliveries, newest first, each with its attempts; cursor paged. */
  webhookDeliveries(query: { subscriptionId: string; limit: number; cursor?: string }): Promise<Page<WebhookDelivery>>;
  webhookDelivery(deliveryId: string): Promise<WebhookDelivery | undefined>;
}

/** Takes a connection to the service's schema; its tables are the service's own business. */
export function createNotificationReads<DB>(connection: Kysely<DB>): NotificationReads {
  const db = connection as unknown as NotificationDb;
  return {
    forOrder: (orderId) => listNotifications(db, orderId),
    webhookSubscriptions: () => listSubscriptions(db),
    webhookSubscription: (subscriptionId) => findSubscription(db, subscriptionId),
    webhookDeliveries: (query) => listDeliveries(db, query),
    webhookDelivery: (deliveryId) => findDelivery(db, deliveryId),
  };
}
