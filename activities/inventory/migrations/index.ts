import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_inventory.js';
import * as m0002 from './0002_add_return_movements.js';

export const inventoryMigrations: Record<string, Migration> = {
  '0001_create_inventory': m0001,
  '0002_add_return_movements': m0002,
};
