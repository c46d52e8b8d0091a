import { defineSignal } from '@temporalio/workflow';
import { WEBHOOK_TASK_QUEUE, type WebhookRetryPolicy } from '../activities/notification/webhooks.contract.js';

/**
 * The webhook workflows' contract (workflows/webhooks.ts). They run on the `webhooks` task queue,
 * which the notification worker polls for both workflows (from the same bundle as the order
 * worker's) and delivery attempts: webhook traffic never takes the order worker's CPU or slots.
 *   - WebhookRelay: one run at a time (ID `webhook-relay`), started by every notification worker with
 *     "use existing": takes the order timeline's unpublished events (the outbox), fans each out to
 *     its subscriptions' deliveries, marks them published; continues as new every so often.
 *   - DeliverWebhooks: one per (subscription, order), signal-with-started by the fan-out; delivers
 *     that pair's events one at a time, in event order, each attempt an activity; ends once
 *     drained (the next signal-with-start begins a new run). A dead receiver holds up only its own deliveries.
 *   - Create/Update/DeleteWebhookSubscription: an admin's change, one notification activity each.
 */
export const WEBHOOK_WORKFLOWS_TASK_QUEUE = WEBHOOK_TASK_QUEUE;

export const WEBHOOK_RELAY_WORKFLOW_ID = 'webhook-relay';

/** One delivery workflow per (subscription, order): its events reach that receiver in order. */
export const deliverWebhooksWorkflowId = (subscriptionId: string, orderId: string) => `webhook-${subscriptionId}-${orderId}`;

export interface DeliverWebhooksInput {
  subscriptionId: string;
  orderId: string;
  retry: WebhookRetryPolicy;
}

/** More deliveries for the run's (subscription, order), in event order; `redeliver` for a manual redelivery. */
export interface QueuedDelivery {
  deliveryId: string;
  redeliver: boolean;
}
export const deliveriesQueued = defineSignal<[QueuedDelivery[]]>('deliveriesQueued');

export interface WebhookRelayInput {
  /** How long one poll of the outbox waits for events before the relay loops (ms). */
  pollWaitMs?: number;
  /** Polls before the run continues as new (sooner when the server suggests it); tests make it small. */
  loopsPerRun?: number;
  /**
   * After a step fails for good (a non-retryable activity failure), the relay waits this long (ms)
   * before it polls again, doubling with each failure in a row up to failureBackoffMaxMs; tests make
   * it small. Defaults: 30 s, 10 min.
   */
  failureBackoffMs?: number;
  failureBackoffMaxMs?: number;
}
