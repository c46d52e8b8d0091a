import { ApplicationFailure, RetryState, TimeoutType } from '@temporalio/common';
import {
  ActivityFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { WEBHOOK_FAILURE, type NewSealedWebhookSubscription, type WebhookActivities, type WebhookRetryPolicy, type WebhookSubscriptionChanges } from '../activities/notification/webhooks.contract.js';
import type { OrderActivities } from '../activities/order/contract.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { orderActivityOptions, outboxPollActivityOptions, webhookActivityOptions, webhookAttemptOptions, webhookFanOutOptions } from './activity-options.js';
import { deliveriesQueued, type DeliverWebhooksInput, type QueuedDelivery, type WebhookRelayInput } from './webhooks.contract.js';

/** The relay's order steps (polling aside) at INTERACTIVE_PRIORITY, as all its steps: see webhookActivityOptions. */
const order = proxyActivities<OrderActivities>({ ...orderActivityOptions, priority: INTERACTIVE_PRIORITY });
const webhooks = proxyActivities<WebhookActivities>(webhookActivityOptions);
const fanOut = proxyActivities<WebhookActivities>(webhookFanOutOptions);

/** How long one poll of the outbox waits for an event, unless the input says otherwise. */
export const DEFAULT_POLL_WAIT_MS = 20_000;

/**
 * Polls per run before it continues as new (sooner when the server suggests it): an idle relay's
 * history grows by one activity a poll, and a busy one's by three.
 */
const DEFAULT_LOOPS_PER_RUN = 500;

/**
 * Events the relay takes a poll, below the outbox's own cap (TIMELINE_LIMITS.publishBatch, 100). A
 * batch's work is its events times the subscriptions that want them: at 100 events and
 * WEBHOOK_LIMITS.subscriptions (100) that is 10,000 deliveries written and signalled in one fan-out
 * attempt, bounded at a minute, and a batch the fan-out cannot finish in time is retried whole. At 25
 * it is at most 2,500, and a batch that fails for good holds up 25 events, not 100. The relay costs
 * three activities a batch whatever its size; at 25 it still publishes far faster than orders make
 * events (a burst of 100 orders is some 300 events: a dozen batches).
 */
export const WEBHOOK_RELAY_BATCH = 25;

/** The wait after a step of the relay fails for good, doubling with each failure in a row, unless the input says otherwise. */
export const DEFAULT_FAILURE_BACKOFF_MS = 30_000;
export const DEFAULT_FAILURE_BACKOFF_MAX_MS = 10 * 60_000;

const eventCount = (n: number) => `${n} event${n === 1 ? '' : 's'}`;

/** The failure's type (an ApplicationFailure's, INVALID_DATA for instance) and message, as the activity raised it. */
function failureOf(failure: ActivityFailure): { type: string | undefined; message: string } {
  const cause = failure.cause;
  return { type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : cause?.name, message: cause?.message || failure.message };
}

/**
 * The outbox relay: one run at a time (WEBHOOK_RELAY_WORKFLOW_ID), for good.
 *   1. poll     the order timeline's unpublished events, oldest first (WEBHOOK_RELAY_BATCH at most),
 *               waiting up to pollWaitMs                                                          (order)
 *   2. fan out  one delivery per (event, subscription that wants it), each (subscription, order)'s
 *               handed to its DeliverWebhooks run                                                   (webhooks)
 *   3. mark     the events published                                                                (order)
 *   then again; continue as new when the server suggests it or after loopsPerRun polls.
 * A relay that stops between 2 and 3 fans the same events out again: the fan-out is idempotent per
 * (subscription, event). Every step retries infrastructure faults until done. A step that fails for
 * good (a non-retryable failure: INVALID_DATA from PostgreSQL, say) never fails the run: it is
 * logged (log.error, with the failure's type), the relay waits (failureBackoffMs, doubling to
 * failureBackoffMaxMs, a durable timer) and polls again, taking the same batch. A batch that keeps
 * failing keeps the outbox's oldest unpublished event ageing
 * (orderflow_order_events_unpublished_oldest_seconds), which OrderflowWebhookRelayStalled pages on.
 * All its activities run at INTERACTIVE_PRIORITY, ahead of a dead receiver's attempts.
 */
export async function WebhookRelay(input: WebhookRelayInput = {}): Promise<never> {
  const waitMs = input.pollWaitMs ?? DEFAULT_POLL_WAIT_MS;
  const loops = input.loopsPerRun ?? DEFAULT_LOOPS_PER_RUN;
  const backoffMs = input.failureBackoffMs ?? DEFAULT_FAILURE_BACKOFF_MS;
  const backoffMaxMs = input.failureBackoffMaxMs ?? DEFAULT_FAILURE_BACKOFF_MAX_MS;
  const outbox = proxyActivities<OrderActivities>(outboxPollActivityOptions(waitMs));
  let failuresInARow = 0;
  for (let loop = 0; loop < loops && !workflowInfo().continueAsNewSuggested; loop++) {
    try {
      const events = await outbox.unpublishedEvents.executeWithOptions({ summary: `poll the outbox (up to ${waitMs} ms)` }, [{ limit: WEBHOOK_RELAY_BATCH, waitMs }]);
      if (events.length > 0) {
        await fanOut.fanOutWebhookEvents.executeWithOptions({ summary: `fan out ${eventCount(events.length)}` }, [{ events }]);
        await order.markEventsPublished.executeWithOptions({ summary: `mark ${eventCount(events.length)} published` }, [{ eventIds: events.map((event) => event.eventId) }]);
      }
      failuresInARow = 0;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      const retryInMs = Math.min(backoffMs * 2 ** failuresInARow, backoffMaxMs);
      failuresInARow += 1;
      const { type, message } = failureOf(error);
      log.error('webhook relay step failed for good; polling the same batch again after a backoff', { activityType: error.activityType, failureType: type, message, failuresInARow, retryInMs });
      await sleep(retryInMs);
    }
  }
  return continueAsNew<typeof WebhookRelay>(input);
}

/**
 * The deliveries a DeliverWebhooks run still has to make, in the order they were queued. A delivery
 * already waiting, or already made by this run, is not queued again, except a redelivery of one
 * already made (a redelivery of one still waiting makes that one a redelivery).
 */
class DeliveryQueue {
  private readonly waiting: QueuedDelivery[] = [];
  private readonly made = new Set<string>();

  add(deliveries: QueuedDelivery[]): void {
    for (const delivery of deliveries) {
      const waiting = this.waiting.find((queued) => queued.deliveryId === delivery.deliveryId);
      if (waiting) waiting.redeliver ||= delivery.redeliver;
      else if (delivery.redeliver || !this.made.has(delivery.deliveryId)) this.waiting.push({ ...delivery });
    }
  }

  /** Every delivery still waiting, taken out of the queue. */
  drain(): QueuedDelivery[] {
    return this.waiting.splice(0);
  }

  /** The next delivery to make, now counted as made; undefined once drained. */
  next(): QueuedDelivery | undefined {
    const delivery = this.waiting.shift();
    if (delivery) this.made.add(delivery.deliveryId);
    return delivery;
  }
}

/**
 * One (subscription, order)'s deliveries (workflow ID deliverWebhooksWorkflowId), fed by the
 * deliveriesQueued signal (signal-with-start: the first deliveries come with the start):
 *   deliver   one delivery at a time, in the order queued: attempts with backoff   (webhooks)
 *             - delivered, or refused for good (the activity marked it FAILED)  -> the next one
 *             - retries ran out (giveUpAfter)  -> give it up (FAILED)           -> the next one
 *             - any other failure for good (INVALID_DATA, say)  -> give it up with its message -> the next one
 *   end       once drained. A signal that arrives as the run completes is not lost: the server
 *             refuses the completion, and the run sees the signal and goes on.
 *   cancelled the delivery in hand and every one queued are given up ("cancelled"), whatever
 *             cancels it, then the run ends Cancelled: none is left PENDING with no run to make it.
 * A delivery waits for the one before it, so a receiver gets an order's events in order; a dead
 * receiver holds up only its own deliveries.
 */
export async function DeliverWebhooks({ subscriptionId, orderId, retry }: DeliverWebhooksInput): Promise<void> {
  const queue = new DeliveryQueue();
  setHandler(deliveriesQueued, (deliveries) => queue.add(deliveries));
  let inHand: QueuedDelivery | undefined;
  try {
    for (inHand = queue.next(); inHand; inHand = queue.next()) {
      await deliver(inHand, retry);
    }
    await condition(allHandlersFinished);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    const held = [...(inHand ? [inHand] : []), ...queue.drain()];
    log.warn('deliveries cancelled; giving up what the run held', { subscriptionId, orderId, deliveries: held.length });
    await CancellationScope.nonCancellable(async () => {
      for (const { deliveryId } of held) await giveUp(deliveryId, CANCELLED);
    });
    throw error;
  }
  log.info('deliveries drained', { subscriptionId, orderId });
}

/** Why a cancelled run's deliveries failed. */
export const CANCELLED = 'cancelled';

/**
 * The failure types with which attemptWebhookDelivery ends a delivery it has itself marked FAILED
 * (WebhookActivities.attemptWebhookDelivery): a receiver's refusal (a 4xx, a redirect) and a refused
 * target. Any other failure for good left the delivery PENDING, and the run gives it up.
 */
const RECORDED_AS_FAILED: ReadonlySet<string> = new Set([WEBHOOK_FAILURE.receiverRefused, WEBHOOK_FAILURE.targetRefused]);

const giveUp = (deliveryId: string, reason: string) => webhooks.giveUpWebhookDelivery.executeWithOptions({ summary: `give up ${deliveryId} (${reason})` }, [{ deliveryId, reason }]);

async function deliver({ deliveryId, redeliver }: QueuedDelivery, retry: WebhookRetryPolicy): Promise<void> {
  const attempt = proxyActivities<WebhookActivities>(webhookAttemptOptions(retry));
  try {
    await attempt.attemptWebhookDelivery.executeWithOptions({ summary: `${redeliver ? 'redeliver' : 'deliver'} ${deliveryId}` }, [{ deliveryId, redeliver }]);
  } catch (error) {
    // A cancellation (of the run) is DeliverWebhooks' to handle.
    if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
    if (retriesRanOut(error)) return giveUp(deliveryId, `no successful attempt within ${retry.giveUpAfter}`);
    const { type, message } = failureOf(error);
    // Refused for good (a 4xx, a refused target): the attempt marked it FAILED already.
    if (error.retryState === RetryState.NON_RETRYABLE_FAILURE && type !== undefined && RECORDED_AS_FAILED.has(type)) return;
    // Anything else no retry will change (INVALID_DATA, say) left it PENDING: FAILED, with why.
    log.warn('webhook delivery failed for good; giving it up', { deliveryId, failureType: type, retryState: error.retryState, message });
    await giveUp(deliveryId, message);
  }
}

/**
 * giveUpAfter has passed: the server ends the attempts with a schedule-to-close timeout (which it
 * reports as non-retryable), or refuses a retry that would start after it (retry state TIMEOUT).
 */
const retriesRanOut = (failure: ActivityFailure) =>
  failure.retryState === RetryState.TIMEOUT || (failure.cause instanceof TimeoutFailure && failure.cause.timeoutType === TimeoutType.SCHEDULE_TO_CLOSE);

// An admin's subscription changes, one notification activity each. A refusal (a target this
// deployment will not call, too many subscriptions, no such subscription) is the workflow's result:
// the run ends Completed.

/** What the activity answers, value or refusal, is the workflow's result. */
type ResultOf<K extends keyof WebhookActivities> = Awaited<ReturnType<WebhookActivities[K]>>;

/** A URL's scheme and host: its path or query may hold the receiver's own secret, never shown in the Web UI. */
const origin = (url: string) => /^[a-z]+:\/\/[^/?#]*/i.exec(url)?.[0] ?? 'a URL';

/**
 * `sealTo` is the API's one-off public key: the activity answers the secret sealed to it
 * (`sealedSecret`), so neither the input nor the result holds the plaintext secret.
 */
export async function CreateWebhookSubscription(input: NewSealedWebhookSubscription): Promise<ResultOf<'createWebhookSubscription'>> {
  return webhooks.createWebhookSubscription.executeWithOptions({ summary: `subscribe ${origin(input.url)}` }, [input]);
}

export async function UpdateWebhookSubscription(input: { subscriptionId: string; changes: WebhookSubscriptionChanges }): Promise<ResultOf<'updateWebhookSubscription'>> {
  return webhooks.updateWebhookSubscription.executeWithOptions({ summary: `change ${Object.keys(input.changes).join(', ')}` }, [input]);
}

export async function DeleteWebhookSubscription(input: { subscriptionId: string }): Promise<ResultOf<'deleteWebhookSubscription'>> {
  return webhooks.deleteWebhookSubscription.executeWithOptions({ summary: 'delete' }, [input]);
}
