import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_create_notifications.js';
import * as m0002 from './0002_add_send_lease.js';
import * as m0003 from './0003_key_by_reference.js';
import * as m0004 from './0004_drop_message_id_unique.js';
import * as m0005 from './0005_add_webhooks.js';
import * as m0006 from './0006_index_pending_deliveries.js';
import * as m0007 from './0007_add_circuit_breaker.js';

export const notificationMigrations: Record<string, Migration> = {
  '0001_create_notifications': m0001,
  '0002_add_send_lease': m0002,
  '0003_key_by_reference': m0003,
  '0004_drop_message_id_unique': m0004,
  '0005_add_webhooks': m0005,
  '0006_index_pending_deliveries': m0006,
  '0007_add_circuit_breaker': m0007,
};
