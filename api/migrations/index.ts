import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_rate_limits.js';

/** The API's own schema: state shared by its replicas (rate limits), nothing of the services'. */
export const apiMigrations: Record<string, Migration> = {
  '0001_create_rate_limits': m0001,
};
