import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { InventoryDatabase } from '../../activities/inventory/schema.js';
import type { NotificationDatabase } from '../../activities/notification/schema.js';
import type { OrderDatabase } from '../../activities/order/schema.js';
import type { PaymentDatabase } from '../../activities/payment/schema.js';
import type { ProductDatabase } from '../../activities/product/schema.js';
import { SERVICE_SCHEMAS, serviceDatabaseUrl, type ServiceName } from '../../common/config.js';
import { createDatabase } from '../../common/database.js';

/** Connections to the run's database, each with its service's own role, as the workers have. */
export function serviceDatabases(access: 'owner' | 'reader' = 'owner') {
  const url = inject('databaseUrl');
  const open = <DB>(service: ServiceName) =>
    createDatabase<DB>({ url: serviceDatabaseUrl(service, access, url, {}), schema: SERVICE_SCHEMAS[service], poolMax: 20 });
  const dbs = {
    product: open<ProductDatabase>('product'),
    inventory: open<InventoryDatabase>('inventory'),
    order: open<OrderDatabase>('order'),
    notification: open<NotificationDatabase>('notification'),
    payment: open<PaymentDatabase>('payment'),
  };
  return { ...dbs, destroy: () => Promise.all(Object.values(dbs).map((db) => db.destroy())) };
}

/** SKUs unique to one test, so suites share a database without seeing each other's rows. */
export function uniqueSku(prefix = 'T'): string {
  return `${prefix}-${randomBytes(5).toString('hex').toUpperCase()}`;
}
