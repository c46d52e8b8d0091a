import type { Registry } from 'prom-client';
import { pendingBacklog, registerBacklogGauges } from '../../common/business-metrics.js';
import type { NotificationDb } from './schema.js';

/** Emails recorded but not yet sent, and the oldest one's age: what the "email backlog" alert reads. */
export function registerEmailBacklogGauges(registry: Registry, db: NotificationDb): void {
  registerBacklogGauges(registry, { count: 'orderflow_email_backlog', oldest: 'orderflow_email_backlog_oldest_seconds', what: 'order emails not yet sent' }, () =>
    pendingBacklog(db, 'notifications'),
  );
}
