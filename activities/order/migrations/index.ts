import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_orders.js';
import * as m0002 from './0002_add_fulfilment.js';
import * as m0003 from './0003_add_cancelled_quantity.js';

export const orderMigrations: Record<string, Migration> = {
  '0001_create_orders': m0001,
  '0002_add_fulfilment': m0002,
  '0003_add_cancelled_quantity': m0003,
};
