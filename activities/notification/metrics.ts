import { Counter, Registry } from 'prom-client';
import { pendingBacklog, registerBacklogGauges } from '../backlog-gauges.js';
import { EMAIL_KINDS } from './contract.js';
import type { NotificationDb } from './schema.js';

/** Email in numbers. The names are what the dashboard and the alert rules read. */
export function createNotificationMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  const metrics = {
    emails: new Counter({
      name: 'orderflow_emails_total',
      help: 'Order email send attempts, by kind and result (sent, failed)',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    emailRetries: new Counter({ name: 'orderflow_email_retries_total', help: 'Order email attempts after the first, by kind', labelNames: ['kind'] as const, registers }),
  };
  // Every series exists from the start, so that rates and alerts see a 0 rather than nothing.
  for (const kind of EMAIL_KINDS) {
    for (const result of ['sent', 'failed'] as const) metrics.emails.inc({ kind, result }, 0);
    metrics.emailRetries.inc({ kind }, 0);
  }
  return metrics;
}

export type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;

/** Emails recorded but not yet sent, and the oldest one's age: what the "email backlog" alert reads. */
export function registerEmailBacklogGauges(registry: Registry, db: NotificationDb): void {
  registerBacklogGauges(registry, { count: 'orderflow_email_backlog', oldest: 'orderflow_email_backlog_oldest_seconds', what: 'order emails not yet sent' }, () =>
    pendingBacklog(db, 'notifications'),
  );
}
