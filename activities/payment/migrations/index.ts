import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_payments.js';
import * as m0002 from './0002_add_voids_before_authorisation.js';

export const paymentMigrations: Record<string, Migration> = {
  '0001_create_payments': m0001,
  '0002_add_voids_before_authorisation': m0002,
};
