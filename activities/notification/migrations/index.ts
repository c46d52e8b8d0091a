import type { Migration } from 'kysely';
import * as m0001 from './0001_create_notifications.js';

export const notificationMigrations: Record<string, Migration> = {
  '0001_create_notifications': m0001,
};
