import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { Outcome } from '../../common/outcome.js';
import { CONTROLS } from '../../common/text-rules.js';
import { ORDER_EVENT_TYPES, type PublishedOrderEvent } from '../order/timeline.contract.js';

/**
 * Outbound webhooks, the notification service's second channel: admins subscribe a URL to event
 * types; every order event (the order's timeline, see activities/order/timeline.contract.ts) is
 * delivered to each enabled subscription that wants it, signed per Standard Webhooks
 * (https://www.standardwebhooks.com: `webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * retried with backoff for a bounded time, every attempt logged. Pure: workflow code imports it.
 */

/**
 * Webhooks run on their own task queue, polled by a second worker in the notification process, with
 * many activity slots (an attempt mostly waits on a receiver): a slow receiver holds up neither
 * email nor another receiver, and the webhook workflows (workflows/webhooks.contract.ts) never take
 * the order worker's CPU.
 */
export const WEBHOOK_TASK_QUEUE = 'webhooks';

/** The event types a subscription can ask for: the order timeline's, as published. */
export const WEBHOOK_EVENT_TYPES = ORDER_EVENT_TYPES;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The payload's version: a receiver branches on it; a breaking change to `data` bumps it. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/**
 * The JSON body every receiver gets (Standard Webhooks' recommended envelope plus `id` and
 * `version`). `id` is the order event's ID, which is also the `webhook-id` header: the same for
 * every attempt and every redelivery, so receivers de-duplicate by it.
 */
export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /** When the event happened (ISO). */
  timestamp: string;
  data: Omit<PublishedOrderEvent, 'eventId' | 'type' | 'at'>;
}

export const webhookPayload = (event: PublishedOrderEvent): WebhookPayload => {
  const { eventId, type, at, ...data } = event;
  return { id: eventId, type, version: WEBHOOK_PAYLOAD_VERSION, timestamp: at, data };
};

/** A subscription as the API answers it; the secret is shown once, at creation. */
export interface WebhookSubscription {
  subscriptionId: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewWebhookSubscription = Pick<WebhookSubscription, 'url' | 'events'> & { enabled?: boolean; description?: string };
export type WebhookSubscriptionChanges = Partial<Pick<WebhookSubscription, 'url' | 'events' | 'enabled' | 'description'>>;

/** `whsec_` + base64 of 32 random bytes: the form the `standardwebhooks` package takes. */
export type CreatedWebhookSubscription = WebhookSubscription & { secret: string };

/**
 * The secret crosses Temporal sealed: the API passes a one-off public key (`sealTo`, SPKI PEM),
 * the activity returns the secret encrypted to it (`sealedSecret`, common/sealed-secret.ts), and only
 * the API, holding the private key, opens it for its answer. Temporal's payloads are encrypted too,
 * but operators may decode those through the codec; they may not read signing secrets.
 */
export type NewSealedWebhookSubscription = NewWebhookSubscription & { sealTo: string };
export type SealedWebhookSubscription = WebhookSubscription & { sealedSecret: string };

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One HTTP attempt of a delivery, as logged. `statusCode` null: no answer (refused, timed out, cut off). */
export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  /** Null while under way (or when the worker died during it). */
  finishedAt: string | null;
  statusCode: number | null;
  latencyMs: number | null;
  /** The receiver's answer, cut to WEBHOOK_LIMITS.responseExcerpt characters, or the network error. */
  responseExcerpt: string | null;
  error: string | null;
}

/** One event for one subscription, with its attempts (the delivery log). */
export interface WebhookDelivery {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  eventType: WebhookEventType;
  orderId: string;
  status: DeliveryStatus;
  /** Why it failed for good: a 4xx (not 408/429), a refused target, or retries given up. */
  failure: string | null;
  createdAt: string;
  attempts: DeliveryAttempt[];
}

export const WEBHOOK_FAILURE = {
  /** The URL's host is (or resolves to) an address this deployment will not call. */
  targetRefused: 'WEBHOOK_TARGET_REFUSED',
  /** The receiver answered a 4xx other than 408 or 429: retrying will not change its mind. */
  receiverRefused: 'WEBHOOK_RECEIVER_REFUSED',
  /** The receiver did not answer 2xx (5xx, 408, 429, no answer): retried. */
  receiverFailed: 'WEBHOOK_RECEIVER_FAILED',
  notFound: 'WEBHOOK_NOT_FOUND',
  /**
   * No attempt made: the subscription's circuit breaker is open (its receiver failed too many
   * attempts in a row); retried when its cool-down ends (nextRetryDelay).
   */
  circuitOpen: 'WEBHOOK_CIRCUIT_OPEN',
  /** WEBHOOK_LIMITS.subscriptions exist already. */
  limitReached: 'WEBHOOK_LIMIT_REACHED',
} as const;

export const WEBHOOK_LIMITS = {
  urlLength: 2048,
  descriptionLength: 200,
  subscriptions: 100,
  /** Characters of a receiver's answer kept in the log. */
  responseExcerpt: 500,
  /** One attempt's whole HTTP exchange. */
  attemptTimeoutMs: 10_000,
  /** Reading the body once the status line and headers are in (the excerpt only): the answer counts, not its body. */
  answerBodyWaitMs: 1_000,
  /** A Retry-After longer than this (or than the retry policy's maximum interval) is capped to it: a receiver cannot park a delivery for days. */
  maxRetryAfterMs: 60 * 60 * 1000,
} as const;

/**
 * What a subscription's URL must be before its host is even looked up: http(s), no user or
 * password in it, no control characters, not port 0, at most WEBHOOK_LIMITS.urlLength
 * characters. Undefined when it is; otherwise why not. The address it resolves to is checked
 * after DNS, by the notification service, when the subscription is made or changed and again at
 * every attempt (only public unicast addresses).
 */
export function webhookUrlProblem(url: string): string | undefined {
  if (url.length > WEBHOOK_LIMITS.urlLength) return `longer than ${WEBHOOK_LIMITS.urlLength} characters`;
  // The URL parser would percent-encode these in a path or query, but the URL is stored as given:
  // PostgreSQL refuses a NUL outright, and a lone surrogate would be stored as U+FFFD.
  if (!url.isWellFormed() || CONTROLS.test(url)) return 'not plain text (a control character or invalid Unicode)';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'not an http(s) URL';
  if (parsed.username !== '' || parsed.password !== '') return 'carries a user name or password';
  if (parsed.hostname === '') return 'has no host';
  // Nothing listens on port 0: every attempt would fail until the delivery gave up.
  if (parsed.port === '0') return 'on port 0';
  return undefined;
}

/** Answers worth another attempt: 5xx, 408 Request Timeout and 429 Too Many Requests (Saleor #14557: stop on other 4xx). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export const isSuccessStatus = (status: number) => status >= 200 && status < 300;

/** HTTP-date's three forms (RFC 9110 5.6.7): IMF-fixdate, the obsolete RFC 850 and asctime. */
const IMF_FIXDATE = /^[a-z]{3}, \d{2} [a-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/i;
const RFC_850_DATE = /^[a-z]{6,9}, \d{2}-[a-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/i;
const ASCTIME_DATE = /^[a-z]{3} [a-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/i;

function httpDate(value: string): number {
  if (IMF_FIXDATE.test(value) || RFC_850_DATE.test(value)) return Date.parse(value);
  // asctime carries no zone, and means GMT (Date.parse would read it as local time).
  if (ASCTIME_DATE.test(value)) return Date.parse(`${value} GMT`);
  return Number.NaN;
}

/**
 * A Retry-After header (seconds, or an HTTP date) as the next attempt's delay in ms from `now`;
 * undefined (the retry policy's own backoff) when absent, unreadable, zero or in the past: a delay
 * of 0 would reach Temporal as "none", which it replaces by the policy's maximum interval. A delay
 * is floored at the policy's initial interval (a `Retry-After: 1` must not make an attempt a second
 * for a day) and capped at the lower of WEBHOOK_LIMITS.maxRetryAfterMs and the policy's maximum
 * interval (a receiver cannot park a delivery for days).
 */
export function retryAfterMs(header: string | null | undefined, now: Date, retry: Pick<WebhookRetryPolicy, 'initialInterval' | 'maximumInterval'>): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  // Seconds too many for a number are still "later than the cap".
  const ms = /^\d+$/.test(value) ? (Number.isFinite(Number(value)) ? Number(value) * 1000 : Number.POSITIVE_INFINITY) : httpDate(value) - now.getTime();
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  const floor = msToNumber(retry.initialInterval as Duration);
  const cap = Math.min(WEBHOOK_LIMITS.maxRetryAfterMs, msToNumber(retry.maximumInterval as Duration));
  return Math.min(Math.max(ms, floor), cap);
}

/**
 * A subscription's circuit breaker, per receiver: after `threshold` failed attempts in a row (no
 * answer, 5xx, 408, 429) its deliveries make no request until a cool-down has passed, coolDownMs
 * doubling at each failed probe up to the retry policy's maximum interval; then one attempt probes,
 * and an answer closes it. A dead receiver thus stops taking attempt slots from live ones.
 */
export const WEBHOOK_BREAKER = { threshold: 5, coolDownMs: 30_000 } as const;

/** How a delivery is retried (workflow input, from the notification worker's config). */
export interface WebhookRetryPolicy {
  /** First backoff (Temporal duration string); doubles each attempt up to maximumInterval. */
  initialInterval: string;
  maximumInterval: string;
  /** After this long since the first attempt, the delivery fails for good (bounded retrying). */
  giveUpAfter: string;
}

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = { initialInterval: '10s', maximumInterval: '1h', giveUpAfter: '24h' };

/** Deliveries the relay made for one (subscription, order), in the order of their events. */
export interface QueuedDeliveries {
  subscriptionId: string;
  orderId: string;
  deliveryIds: string[];
}

/** What the notification worker does for webhooks, all on WEBHOOK_TASK_QUEUE. */
export interface WebhookActivities {
  /** A URL whose host this deployment will not call (checked after DNS resolution) is a refusal, WEBHOOK_TARGET_REFUSED. */
  createWebhookSubscription(input: NewSealedWebhookSubscription): Promise<Outcome<SealedWebhookSubscription, typeof WEBHOOK_FAILURE.targetRefused | typeof WEBHOOK_FAILURE.limitReached>>;
  updateWebhookSubscription(input: { subscriptionId: string; changes: WebhookSubscriptionChanges }): Promise<Outcome<WebhookSubscription, typeof WEBHOOK_FAILURE.targetRefused | typeof WEBHOOK_FAILURE.notFound>>;
  /** Deleting stops future deliveries (queued ones end FAILED) and drops its delivery log with it. */
  deleteWebhookSubscription(input: { subscriptionId: string }): Promise<Outcome<{ subscriptionId: string }, typeof WEBHOOK_FAILURE.notFound>>;
  /**
   * Makes one delivery per (event, enabled subscription that wants its type), idempotent per
   * (subscription, event), and hands each (subscription, order)'s deliveries, in event order, to
   * its DeliverWebhooks workflow (signal-with-start), heartbeating as it goes. Run again (a retry
   * after a crash), it queues every PENDING delivery of these events, whatever its subscription has
   * become since. Returns counts only: a result listing every delivery would outgrow Temporal's
   * payload limit at 100 subscriptions.
   */
  fanOutWebhookEvents(input: { events: PublishedOrderEvent[] }): Promise<{ deliveries: number; runs: number }>;
  /**
   * One attempt of one delivery: signs, POSTs (no redirects followed, the target checked again
   * after DNS), logs the attempt. 2xx: DELIVERED. A 4xx other than 408/429 or a refused target:
   * FAILED, non-retryable failure. Otherwise a retryable failure, with Retry-After (retryAfterMs)
   * as the next delay. A subscription disabled, or no longer wanting the event's type: FAILED at
   * once, no request. Its circuit breaker open (WEBHOOK_BREAKER): no request, not logged, a
   * retryable WEBHOOK_CIRCUIT_OPEN with the rest of the cool-down as the next delay. `redeliver`:
   * sent even if DELIVERED already (a manual redelivery); otherwise a delivery already DELIVERED or
   * FAILED is not sent again.
   */
  attemptWebhookDelivery(input: { deliveryId: string; redeliver: boolean }): Promise<{ status: DeliveryStatus }>;
  /** Retries ran out (giveUpAfter): the delivery is FAILED with that reason. */
  giveUpWebhookDelivery(input: { deliveryId: string; reason: string }): Promise<void>;
}
