import type { Duration } from '@temporalio/common';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { INVENTORY_TASK_QUEUE } from '../activities/inventory/contract.js';
import { NOTIFICATION_TASK_QUEUE } from '../activities/notification/contract.js';
import { ORDER_TASK_QUEUE } from '../activities/order/contract.js';
import { PAYMENT_TASK_QUEUE } from '../activities/payment/contract.js';
import { PRODUCT_TASK_QUEUE } from '../activities/product/contract.js';
import { WEBHOOK_LIMITS, WEBHOOK_TASK_QUEUE, type WebhookRetryPolicy } from '../activities/notification/webhooks.contract.js';
import { DEFAULT_PRIORITY, INTERACTIVE_PRIORITY } from '../common/task-priority.js';

/**
 * Infrastructure faults (database or SMTP down, worker crash) retry with backoff for as long
 * as it takes; business outcomes are non-retryable ApplicationFailures. Start-to-close bounds
 * one attempt so that a dead worker's task is retried elsewhere quickly.
 */
const retryForever = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' } as const;

export const productActivityOptions: ActivityOptions = {
  taskQueue: PRODUCT_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry: retryForever,
};

export const inventoryActivityOptions: ActivityOptions = {
  taskQueue: INVENTORY_TASK_QUEUE,
  startToCloseTimeout: '15s',
  retry: retryForever,
};

export const orderActivityOptions: ActivityOptions = {
  taskQueue: ORDER_TASK_QUEUE,
  startToCloseTimeout: '10s',
  retry: retryForever,
};

/**
 * A provider outage retries, with the order waiting where it is (PENDING while authorising), for as
 * long as it takes: each provider call carries its step's idempotency key, so a retry never charges
 * twice. One attempt is bounded by the provider call's own timeout (PAYMENT_PROVIDER_TIMEOUT_MS,
 * 10 s by default) and the payment service's writes; refusals no retry can change are non-retryable.
 */
export const paymentActivityOptions: ActivityOptions = {
  taskQueue: PAYMENT_TASK_QUEUE,
  startToCloseTimeout: '30s',
  retry: retryForever,
};

/** Mail can be down for hours: back off to five minutes between tries, and never give up. */
export const notificationActivityOptions: ActivityOptions = {
  taskQueue: NOTIFICATION_TASK_QUEUE,
  // One attempt is bounded by the mailer's own timeouts (connect 5 s, socket 10 s).
  startToCloseTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
};

/**
 * The order service's own steps (record, confirm) as local activities: they run in the order
 * worker that runs the workflow, against the order service's own database, with no task queue
 * round trip. Both are idempotent, which a local activity needs: a worker that crashes mid-step
 * loses the workflow task, and the next worker runs the step again. Each attempt is bounded like
 * the remote one; a database outage retries (with backoff, as timers past a minute) for as long
 * as it takes.
 */
export const orderLocalActivityOptions: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: retryForever,
};

/**
 * The webhook relay's poll of the order outbox: the activity waits up to `waitMs` for events,
 * heartbeating, so one attempt is bounded a little above the wait and a worker that dies mid-wait is
 * noticed by the heartbeat timeout, not at the end of the wait. Retried for as long as it takes.
 */
export const outboxPollActivityOptions = (waitMs: number): ActivityOptions => ({
  taskQueue: ORDER_TASK_QUEUE,
  startToCloseTimeout: waitMs + 10_000,
  heartbeatTimeout: '10s',
  retry: retryForever,
  priority: INTERACTIVE_PRIORITY,
});

/**
 * The webhook steps that must happen (fan-out, giving up, an admin's subscription change), on the
 * notification process's webhooks queue. A subscription's URL is checked through DNS.
 *
 * At INTERACTIVE_PRIORITY: the webhooks queue also holds every delivery attempt, and a dead
 * receiver's attempts (up to WEBHOOK_MAX_CONCURRENT_ATTEMPTS at a time, each taking its 10 s) can
 * backlog it; these steps go ahead of them, so the relay keeps publishing, a delivery is given up
 * on time and an admin's change is answered (attempts run at the default key, webhookAttemptOptions).
 */
export const webhookActivityOptions: ActivityOptions = {
  taskQueue: WEBHOOK_TASK_QUEUE,
  startToCloseTimeout: '60s',
  retry: retryForever,
  priority: INTERACTIVE_PRIORITY,
};

/**
 * The relay's fan-out: signals one DeliverWebhooks run per (subscription, order) of a batch (up to
 * WEBHOOK_RELAY_BATCH events x WEBHOOK_LIMITS.subscriptions), hence its minute. It heartbeats as it
 * goes, so a worker that dies mid-fan-out is noticed within the heartbeat timeout, not at the end of
 * the minute; the fan-out is idempotent, so the retry redoes it harmlessly.
 */
export const webhookFanOutOptions: ActivityOptions = {
  ...webhookActivityOptions,
  heartbeatTimeout: '20s',
};

/**
 * One delivery's attempts: backoff from the retry policy (doubling up to its maximum; a receiver's
 * Retry-After overrides the next delay), for at most `giveUpAfter` in all (schedule-to-close), after
 * which the workflow gives the delivery up. One attempt is bounded a little above its HTTP exchange
 * (WEBHOOK_LIMITS.attemptTimeoutMs), to log the attempt.
 */
export const webhookAttemptOptions = (retry: WebhookRetryPolicy): ActivityOptions => ({
  taskQueue: WEBHOOK_TASK_QUEUE,
  startToCloseTimeout: WEBHOOK_LIMITS.attemptTimeoutMs + 5_000,
  // Duration strings, checked where the policy is configured (common/config.ts).
  scheduleToCloseTimeout: retry.giveUpAfter as Duration,
  retry: { initialInterval: retry.initialInterval as Duration, backoffCoefficient: 2, maximumInterval: retry.maximumInterval as Duration },
  // The default key, even in a run a redelivery started at INTERACTIVE_PRIORITY: a dead receiver's
  // attempts never go ahead of, or level with, the relay's steps (webhookActivityOptions).
  priority: DEFAULT_PRIORITY,
});
