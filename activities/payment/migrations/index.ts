import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_payments.js';

export const paymentMigrations: Record<string, Migration> = {
  '0001_create_payments': m0001,
};
