import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_orders.js';

export const orderMigrations: Record<string, Migration> = {
  '0001_create_orders': m0001,
};
