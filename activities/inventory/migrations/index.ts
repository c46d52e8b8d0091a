import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_inventory.js';

export const inventoryMigrations: Record<string, Migration> = {
  '0001_create_inventory': m0001,
};
