import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_products.js';

export const productMigrations: Record<string, Migration> = {
  '0001_create_products': m0001,
};
