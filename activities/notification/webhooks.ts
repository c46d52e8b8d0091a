import { randomBytes, randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { Webhook } from 'standardwebhooks';
import { activityLogger } from '../../common/activity-logger.js';
import { DomainError, INVALID_DATA } from '../../common/domain-error.js';
import type { Logger } from '../../common/logger.js';
import { refusalAsResult } from '../../common/outcome.js';
import { seal } from '../../common/sealed-secret.js';
import type { QueuedDelivery } from '../../workflows/webhooks.contract.js';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.js';
import type { NotificationDb } from './schema.js';
import type { WebhookQueue } from './webhook-queue.js';
import { postWebhook, type WebhookAnswer } from './webhook-post.js';
import { checkWebhookTarget, resolveWithDns, type Resolve, type TargetRules } from './webhook-target.js';
import {
  isRetryableStatus,
  isSuccessStatus,
  retryAfterMs,
  WEBHOOK_BREAKER,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_FAILURE,
  WEBHOOK_LIMITS,
  webhookPayload,
  type QueuedDeliveries,
  type WebhookActivities,
  type WebhookEventType,
  type WebhookPayload,
  type WebhookRetryPolicy,
} from './webhooks.contract.js';
import {
  claimProbe,
  deleteSubscription,
  deliveryToAttempt,
  finishAttempt,
  insertSubscription,
  markDelivered,
  markFailed,
  pendingDeliveries,
  recordDeliveries,
  reopen,
  startAttempt,
  subscriptionsWanting,
  updateSubscription,
  type AttemptResult,
  type BreakerRules,
  type NewDelivery,
} from './webhooks.repository.js';

export interface WebhookActivityDeps {
  db: NotificationDb;
  log: Logger;
  /** Where fanned-out deliveries go: each (subscription, order)'s DeliverWebhooks run (webhook-queue.ts). */
  queue: WebhookQueue;
  /** Passed to every DeliverWebhooks run it starts (WEBHOOK_RETRY_*, WEBHOOK_GIVE_UP_AFTER). */
  retry: WebhookRetryPolicy;
  /** WEBHOOK_ALLOW_LOOPBACK: development only. */
  allowLoopback: boolean;
  metrics?: WebhookMetrics;
  /** DNS; injected in tests. */
  resolve?: Resolve;
  /** One attempt's whole exchange; tests make it short. */
  attemptTimeoutMs?: number;
  /** How long the body is read once the answer's head is in (for the excerpt); tests make it short. */
  answerBodyWaitMs?: number;
  /** Signal-with-starts at once during a fan-out. */
  queueConcurrency?: number;
  /** The circuit breaker's threshold and first cool-down (WEBHOOK_BREAKER); its longest is retry.maximumInterval. */
  breaker?: { threshold: number; coolDownMs: number };
}

const WEBHOOK_USER_AGENT = 'orderflow-webhooks/1 (+https://www.standardwebhooks.com)';

/** `whsec_` + base64 of 32 random bytes: the form `standardwebhooks` takes. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The body as sent and signed: the envelope's fields in their documented order (jsonb keeps its own). */
const webhookBody = (payload: WebhookPayload) =>
  JSON.stringify({ id: payload.id, type: payload.type, version: payload.version, timestamp: payload.timestamp, data: payload.data });

/** The secret sealed to the API's one-off key; a key that is not one is the input's fault (not retried). */
function sealed(secret: string, sealTo: string): string {
  try {
    return seal(secret, sealTo);
  } catch {
    throw new DomainError(INVALID_DATA, 'sealTo is not an RSA public key (SPKI PEM)');
  }
}

function checkedEvents(events: readonly string[]): WebhookEventType[] {
  const unknown = events.filter((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (events.length === 0 || unknown.length > 0) {
    throw new DomainError(INVALID_DATA, events.length === 0 ? 'a subscription wants at least one event type' : `unknown event types: ${unknown.join(', ')}`);
  }
  return [...new Set(events)] as WebhookEventType[];
}

/** Runs `work` on every item, at most `limit` at once. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts (a DNS lookup cannot be cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

type Exchange = { kind: 'answered'; answer: WebhookAnswer } | { kind: 'targetRefused'; problem: string } | { kind: 'noAnswer'; error: string; cancelled?: boolean };

export function createWebhookActivities({
  db,
  log,
  queue,
  retry,
  allowLoopback,
  metrics = createWebhookMetrics(),
  resolve = resolveWithDns,
  attemptTimeoutMs = WEBHOOK_LIMITS.attemptTimeoutMs,
  answerBodyWaitMs = WEBHOOK_LIMITS.answerBodyWaitMs,
  queueConcurrency = 16,
  breaker = WEBHOOK_BREAKER,
}: WebhookActivityDeps): WebhookActivities {
  const rules: TargetRules = { allowLoopback };
  const breakerRules: BreakerRules = { ...breaker, maxCoolDownMs: Math.max(breaker.coolDownMs, msToNumber(retry.maximumInterval as Duration)) };
  /** How long a probe holds the breaker (its attempt's time, and the margin Temporal gives it). */
  const probeWindowMs = attemptTimeoutMs + 5_000;

  /**
   * Whether this attempt may make its request, and as a probe or not; a retryable failure with the
   * time until the cool-down ends when the breaker is open. No attempt is logged for it.
   */
  async function passBreaker(subscriptionId: string, openForMs: number | null): Promise<{ probe: boolean }> {
    if (openForMs === null) return { probe: false };
    let waitMs = openForMs;
    if (openForMs <= 0) {
      const claim = await claimProbe(db, subscriptionId, probeWindowMs);
      if (claim.probe || claim.openForMs === null) return { probe: claim.probe };
      waitMs = claim.openForMs;
    }
    metrics.shortCircuited.inc();
    // At least a second: a delay of 0 would reach Temporal as none (its maximum interval).
    const nextRetryDelay = Math.max(waitMs, 1000);
    throw ApplicationFailure.create({ type: WEBHOOK_FAILURE.circuitOpen, message: `circuit open: the receiver failed ${breakerRules.threshold} attempts in a row; next try in ${Math.ceil(nextRetryDelay / 1000)} s`, nextRetryDelay });
  }

  async function refuseUnsafeTarget(url: string): Promise<void> {
    const check = await checkWebhookTarget(url, rules, resolve);
    if (!check.ok) throw new DomainError(WEBHOOK_FAILURE.targetRefused, `this deployment does not call ${check.problem}`);
  }

  /** Resolves, checks and POSTs, within the attempt's time; never throws for what the receiver did. */
  async function exchange(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Exchange> {
    try {
      const check = await untilAborted(checkWebhookTarget(url, rules, resolve), signal);
      if (!check.ok) return check.refused ? { kind: 'targetRefused', problem: check.problem } : { kind: 'noAnswer', error: check.problem };
      return { kind: 'answered', answer: await postWebhook({ target: check.target, headers, body, signal, excerptChars: WEBHOOK_LIMITS.responseExcerpt, bodyWaitMs: answerBodyWaitMs }) };
    } catch (error) {
      if (signal.aborted) {
        const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
        return timedOut ? { kind: 'noAnswer', error: `no answer within ${attemptTimeoutMs} ms` } : { kind: 'noAnswer', error: 'attempt cancelled', cancelled: true };
      }
      const failure = error as NodeJS.ErrnoException;
      return { kind: 'noAnswer', error: failure.code ? `${failure.code}: ${failure.message}` : failure.message };
    }
  }

  return {
    async createWebhookSubscription(input) {
      return refusalAsResult([WEBHOOK_FAILURE.targetRefused, WEBHOOK_FAILURE.limitReached], async () => {
        const events = checkedEvents(input.events);
        await refuseUnsafeTarget(input.url);
        const secret = newSecret();
        // Sealed before anything is stored: a key the API did not give cannot leave a secret behind.
        const sealedSecret = sealed(secret, input.sealTo);
        const subscription = { subscriptionId: randomUUID(), url: input.url, events, enabled: input.enabled ?? true, description: input.description ?? null, secret };
        const created = await insertSubscription(db, subscription, WEBHOOK_LIMITS.subscriptions);
        if (!created) throw new DomainError(WEBHOOK_FAILURE.limitReached, `at most ${WEBHOOK_LIMITS.subscriptions} webhook subscriptions`);
        // Never the secret, nor the URL's path and query (receivers put tokens there): its host.
        activityLogger(log, { subscriptionId: created.subscriptionId }).info({ host: new URL(created.url).host, events }, 'webhook subscription created');
        // The secret crosses Temporal only sealed to the API's one-off key (the codec cannot open it).
        return { ...created, sealedSecret };
      });
    },

    async updateWebhookSubscription({ subscriptionId, changes }) {
      return refusalAsResult([WEBHOOK_FAILURE.targetRefused, WEBHOOK_FAILURE.notFound], async () => {
        const events = changes.events && checkedEvents(changes.events);
        if (changes.url !== undefined) await refuseUnsafeTarget(changes.url);
        const updated = await updateSubscription(db, subscriptionId, { ...changes, ...(events && { events }) });
        if (!updated) throw new DomainError(WEBHOOK_FAILURE.notFound, `no webhook subscription ${subscriptionId}`);
        activityLogger(log, { subscriptionId }).info({ host: new URL(updated.url).host, events: updated.events, enabled: updated.enabled }, 'webhook subscription updated');
        return updated;
      });
    },

    async deleteWebhookSubscription({ subscriptionId }) {
      return refusalAsResult([WEBHOOK_FAILURE.notFound], async () => {
        if (!(await deleteSubscription(db, subscriptionId))) throw new DomainError(WEBHOOK_FAILURE.notFound, `no webhook subscription ${subscriptionId}`);
        activityLogger(log, { subscriptionId }).info('webhook subscription deleted');
        return { subscriptionId };
      });
    },

    async fanOutWebhookEvents({ events }) {
      const subscriptions = await subscriptionsWanting(db, [...new Set(events.map((event) => event.type))]);
      // One per (subscription, event); an event given twice counts once.
      const wanted = new Map<string, NewDelivery>();
      for (const event of events) {
        for (const subscription of subscriptions) {
          const key = `${subscription.subscriptionId}/${event.eventId}`;
          if (!subscription.events.includes(event.type) || wanted.has(key)) continue;
          wanted.set(key, { deliveryId: randomUUID(), subscriptionId: subscription.subscriptionId, eventId: event.eventId, eventType: event.type, orderId: event.orderId, payload: webhookPayload(event) });
        }
      }
      await recordDeliveries(db, [...wanted.values()]);
      // Every PENDING delivery of these events is queued, not only those the subscriptions want now:
      // a fan-out retried after a crash between recording and queueing must hand over what the first
      // try recorded, even for a subscription disabled, or no longer wanting the type, meanwhile (the
      // attempt fails those at once); otherwise they would stay PENDING for good.
      const position = new Map<string, number>();
      events.forEach((event, index) => position.has(event.eventId) || position.set(event.eventId, index));
      const pending = (await pendingDeliveries(db, [...position.keys()])).sort(
        (a, b) => position.get(a.eventId)! - position.get(b.eventId)! || a.subscriptionId.localeCompare(b.subscriptionId),
      );
      const groups = new Map<string, QueuedDeliveries>();
      for (const delivery of pending) {
        const groupKey = `${delivery.subscriptionId}/${delivery.orderId}`;
        const group = groups.get(groupKey) ?? { subscriptionId: delivery.subscriptionId, orderId: delivery.orderId, deliveryIds: [] };
        group.deliveryIds.push(delivery.deliveryId);
        groups.set(groupKey, group);
      }
      const queued = [...groups.values()];
      // Heartbeats as it signals: a long fan-out under a slow Temporal is not timed out and begun again.
      const context = Context.current();
      await eachLimited(queued, queueConcurrency, async ({ subscriptionId, orderId, deliveryIds }) => {
        await queue.enqueue({ subscriptionId, orderId, retry, deliveries: deliveryIds.map((deliveryId): QueuedDelivery => ({ deliveryId, redeliver: false })) });
        context.heartbeat();
      });
      const counts = { deliveries: pending.length, runs: queued.length };
      if (queued.length > 0) activityLogger(log).info({ events: events.length, ...counts }, 'webhook deliveries queued');
      return counts;
    },

    async attemptWebhookDelivery({ deliveryId, redeliver }) {
      const alog = activityLogger(log, { deliveryId });
      const delivery = await deliveryToAttempt(db, deliveryId);
      if (!delivery) {
        alog.info('webhook delivery gone (its subscription was deleted); nothing to send');
        return { status: 'FAILED' };
      }
      if (!redeliver && delivery.status !== 'PENDING') return { status: delivery.status };
      if (!delivery.enabled) {
        await markFailed(db, deliveryId, 'the subscription is disabled');
        metrics.failedForGood.inc({ cause: 'subscription_disabled' });
        alog.info({ subscriptionId: delivery.subscription_id }, 'webhook delivery failed: subscription disabled');
        return { status: 'FAILED' };
      }
      // The subscription dropped this event type after the delivery was made: the receiver asked not
      // to get it any more, so it is not sent (nor retried for a day).
      if (!delivery.events.includes(delivery.event_type)) {
        await markFailed(db, deliveryId, `the subscription no longer wants ${delivery.event_type}`);
        metrics.failedForGood.inc({ cause: 'subscription_unsubscribed' });
        alog.info({ subscriptionId: delivery.subscription_id, eventType: delivery.event_type }, 'webhook delivery failed: event type unsubscribed');
        return { status: 'FAILED' };
      }
      if (redeliver) await reopen(db, deliveryId);
      const { probe } = await passBreaker(delivery.subscription_id, delivery.open_for_ms);

      const attempt = await startAttempt(db, deliveryId);
      const body = webhookBody(delivery.payload);
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(delivery.secret).sign(delivery.event_id, now, body),
      };
      const signal = AbortSignal.any([AbortSignal.timeout(attemptTimeoutMs), Context.current().cancellationSignal]);
      const started = performance.now();
      const result = await exchange(delivery.url, headers, body, signal);
      const latencyMs = Math.round(performance.now() - started);
      const context = { subscriptionId: delivery.subscription_id, host: new URL(delivery.url).host, attempt, latencyMs, ...(probe && { probe }) };

      /** Logs the attempt's end; `receiver` (up: it answered, down: it did not, or 5xx/408/429) moves the breaker. */
      const settle = async (outcome: 'delivered' | 'refused' | 'failed', logged: AttemptResult, receiver?: 'up' | 'down') => {
        const { openedForMs } = await finishAttempt(db, deliveryId, attempt, logged, receiver && { receiver, probe, rules: breakerRules });
        metrics.attempts.inc({ outcome });
        metrics.latency.observe({ outcome }, latencyMs / 1000);
        if (openedForMs !== undefined) {
          metrics.breakerOpened.inc();
          alog.warn({ ...context, openForMs: openedForMs }, 'webhook circuit breaker opened: no attempt to this subscription until its cool-down ends');
        }
      };
      const failForGood = async (cause: 'receiver_refused' | 'target_refused', type: string, failure: string) => {
        await markFailed(db, deliveryId, failure);
        metrics.failedForGood.inc({ cause });
        alog.warn({ ...context, failureType: type, reason: failure }, 'webhook delivery failed for good');
        throw ApplicationFailure.create({ type, message: failure, nonRetryable: true });
      };

      if (result.kind === 'targetRefused') {
        await settle('refused', { statusCode: null, latencyMs, responseExcerpt: null, error: `target refused: ${result.problem}` });
        return failForGood('target_refused', WEBHOOK_FAILURE.targetRefused, `target refused: this deployment does not call ${result.problem}`);
      }
      if (result.kind === 'noAnswer') {
        // A cancelled attempt (the worker stopping) says nothing of the receiver.
        await settle('failed', { statusCode: null, latencyMs, responseExcerpt: null, error: result.error }, result.cancelled ? undefined : 'down');
        alog.info({ ...context, error: result.error }, 'webhook attempt got no answer; retried');
        throw ApplicationFailure.create({ type: WEBHOOK_FAILURE.receiverFailed, message: `no answer: ${result.error}` });
      }
      const { statusCode, excerpt, location, retryAfter } = result.answer;
      if (isSuccessStatus(statusCode)) {
        await settle('delivered', { statusCode, latencyMs, responseExcerpt: excerpt || null, error: null }, 'up');
        await markDelivered(db, deliveryId);
        alog.info({ ...context, statusCode, redeliver }, 'webhook delivered');
        return { status: 'DELIVERED' };
      }
      if (statusCode >= 300 && statusCode < 400) {
        const failure = `the receiver answered ${statusCode}, a redirect${location ? ` to ${location}` : ''}: redirects are not followed`;
        await settle('refused', { statusCode, latencyMs, responseExcerpt: excerpt || null, error: 'redirect not followed' }, 'up');
        return failForGood('receiver_refused', WEBHOOK_FAILURE.receiverRefused, failure);
      }
      if (!isRetryableStatus(statusCode)) {
        await settle('refused', { statusCode, latencyMs, responseExcerpt: excerpt || null, error: null }, 'up');
        return failForGood('receiver_refused', WEBHOOK_FAILURE.receiverRefused, `the receiver answered ${statusCode}`);
      }
      const nextRetryDelay = retryAfterMs(retryAfter, new Date(), retry);
      await settle('failed', { statusCode, latencyMs, responseExcerpt: excerpt || null, error: null }, 'down');
      alog.info({ ...context, statusCode, nextRetryDelayMs: nextRetryDelay }, 'webhook attempt failed; retried');
      throw ApplicationFailure.create({ type: WEBHOOK_FAILURE.receiverFailed, message: `the receiver answered ${statusCode}`, ...(nextRetryDelay !== undefined && { nextRetryDelay }) });
    },

    async giveUpWebhookDelivery({ deliveryId, reason }) {
      await markFailed(db, deliveryId, reason);
      metrics.failedForGood.inc({ cause: 'gave_up' });
      activityLogger(log, { deliveryId }).warn({ reason }, 'webhook delivery given up');
    },
  };
}
