import type { Kysely } from 'kysely';
import type { NotificationView } from './contract.js';
import { listNotifications } from './repository.js';
import type { NotificationDb } from './schema.js';

/** Order emails as the API reads them, through the notification service's reader role. */
export interface NotificationReads {
  /** An order's emails, oldest first. */
  forOrder(orderId: string): Promise<NotificationView[]>;
}

/** Takes a connection to the service's schema; its tables are the service's own business. */
export function createNotificationReads<DB>(connection: Kysely<DB>): NotificationReads {
  const db = connection as unknown as NotificationDb;
  return {
    forOrder: (orderId) => listNotifications(db, orderId),
  };
}
