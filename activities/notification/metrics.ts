import { Counter, Histogram, Registry } from 'prom-client';
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

/**
 * Webhook deliveries still PENDING (queued or being retried), and the oldest one's age. The partial
 * index webhook_deliveries_pending (migration 0006) keeps this a read of the pending rows only: the
 * delivery log itself is never pruned.
 */
export function registerWebhookBacklogGauges(registry: Registry, db: NotificationDb): void {
  registerBacklogGauges(
    registry,
    { count: 'orderflow_webhook_deliveries_pending', oldest: 'orderflow_webhook_deliveries_pending_oldest_seconds', what: 'webhook deliveries not yet delivered or failed' },
    () => pendingBacklog(db, 'webhook_deliveries'),
  );
}

/** What one webhook attempt came to: delivered (2xx), refused (a 4xx, a redirect, a refused target: for good), failed (retried). */
export const WEBHOOK_ATTEMPT_OUTCOMES = ['delivered', 'refused', 'failed'] as const;
/** Why a delivery failed for good. */
export const WEBHOOK_FAILURE_CAUSES = ['receiver_refused', 'target_refused', 'gave_up', 'subscription_disabled', 'subscription_unsubscribed'] as const;

/** Webhooks in numbers: attempts by outcome, their latency, deliveries that failed for good. */
export function createWebhookMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  const metrics = {
    attempts: new Counter({ name: 'orderflow_webhook_attempts_total', help: 'Webhook delivery attempts, by outcome (delivered, refused, failed)', labelNames: ['outcome'] as const, registers }),
    latency: new Histogram({
      name: 'orderflow_webhook_attempt_duration_seconds',
      help: 'Webhook attempts, from resolving the host to the answer (or no answer), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    failedForGood: new Counter({ name: 'orderflow_webhook_deliveries_failed_total', help: 'Webhook deliveries that failed for good, by cause', labelNames: ['cause'] as const, registers }),
    breakerOpened: new Counter({
      name: 'orderflow_webhook_circuit_opened_total',
      help: 'Times a webhook subscription\'s circuit breaker opened (its receiver failed too many attempts in a row, or a probe failed)',
      registers,
    }),
    shortCircuited: new Counter({
      name: 'orderflow_webhook_attempts_short_circuited_total',
      help: 'Webhook attempts not made, no request sent, because their subscription\'s circuit breaker was open (retried when its cool-down ends)',
      registers,
    }),
  };
  for (const outcome of WEBHOOK_ATTEMPT_OUTCOMES) metrics.attempts.inc({ outcome }, 0);
  for (const cause of WEBHOOK_FAILURE_CAUSES) metrics.failedForGood.inc({ cause }, 0);
  return metrics;
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
