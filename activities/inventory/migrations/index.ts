import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_inventory.js';
import * as m0002 from './0002_add_return_movements.js';
import * as m0003 from './0003_add_unshipped_movements.js';

export const inventoryMigrations: Record<string, Migration> = {
  '0001_create_inventory': m0001,
  '0002_add_return_movements': m0002,
  '0003_add_unshipped_movements': m0003,
};
