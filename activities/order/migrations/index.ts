import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_orders.js';
import * as m0002 from './0002_add_fulfilment.js';
import * as m0003 from './0003_add_cancelled_quantity.js';
import * as m0004 from './0004_add_timeline.js';
import * as m0005 from './0005_add_search_indexes.js';

export const orderMigrations: Record<string, Migration> = {
  '0001_create_orders': m0001,
  '0002_add_fulfilment': m0002,
  '0003_add_cancelled_quantity': m0003,
  '0004_add_timeline': m0004,
  '0005_add_search_indexes': m0005,
};
