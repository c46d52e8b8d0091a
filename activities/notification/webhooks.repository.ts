import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { cursorInstant, decodeCursor, toPage, type Page } from '../../common/pagination.js';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEventType, WebhookPayload, WebhookSubscription, WebhookSubscriptionChanges } from './webhooks.contract.js';
import type { NotificationDb } from './schema.js';

const SUBSCRIPTION_COLUMNS = ['subscription_id', 'url', 'events', 'enabled', 'description', 'created_at', 'updated_at'] as const;

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const subscriptionView = (row: SubscriptionRow): WebhookSubscription => ({
  subscriptionId: row.subscription_id,
  url: row.url,
  events: row.events,
  enabled: row.enabled,
  description: row.description,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

// --- subscriptions -------------------------------------------------------------------------

/**
 * Stores a subscription and its secret, unless `limit` exist already (then undefined). Creations
 * take turns on a transaction lock, so that racing ones cannot pass the limit together.
 */
export async function insertSubscription(
  db: NotificationDb,
  subscription: { subscriptionId: string; url: string; events: WebhookEventType[]; enabled: boolean; description: string | null; secret: string },
  limit: number,
): Promise<WebhookSubscription | undefined> {
  const work = async (tx: NotificationDb) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('notification.webhook_subscriptions'))`.execute(tx);
    const { count } = await tx.selectFrom('webhook_subscriptions').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    if (Number(count) >= limit) return undefined;
    const row = await tx
      .insertInto('webhook_subscriptions')
      .values({ subscription_id: subscription.subscriptionId, url: subscription.url, events: subscription.events, enabled: subscription.enabled, description: subscription.description })
      .returning(SUBSCRIPTION_COLUMNS)
      .executeTakeFirstOrThrow();
    await tx.insertInto('webhook_secrets').values({ subscription_id: subscription.subscriptionId, secret: subscription.secret }).execute();
    return subscriptionView(row);
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export async function updateSubscription(db: NotificationDb, subscriptionId: string, changes: WebhookSubscriptionChanges): Promise<WebhookSubscription | undefined> {
  const row = await db
    .updateTable('webhook_subscriptions')
    .set({
      ...(changes.url !== undefined && { url: changes.url }),
      ...(changes.events !== undefined && { events: changes.events }),
      ...(changes.enabled !== undefined && { enabled: changes.enabled }),
      ...(changes.description !== undefined && { description: changes.description }),
      // A new URL is a new receiver: what the old one's failures opened, it starts without.
      ...(changes.url !== undefined && { consecutive_failures: 0, open_until: null }),
      updated_at: sql<Date>`now()`,
    })
    .where('subscription_id', '=', subscriptionId)
    .returning(SUBSCRIPTION_COLUMNS)
    .executeTakeFirst();
  return row && subscriptionView(row);
}

/** Deletes a subscription with its secret, deliveries and attempts (cascade); false if there was none. */
export async function deleteSubscription(db: NotificationDb, subscriptionId: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_subscriptions').where('subscription_id', '=', subscriptionId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

export async function findSubscription(db: NotificationDb, subscriptionId: string): Promise<WebhookSubscription | undefined> {
  const row = await db.selectFrom('webhook_subscriptions').select(SUBSCRIPTION_COLUMNS).where('subscription_id', '=', subscriptionId).executeTakeFirst();
  return row && subscriptionView(row);
}

/** Every subscription, oldest first (there are at most WEBHOOK_LIMITS.subscriptions). */
export async function listSubscriptions(db: NotificationDb): Promise<WebhookSubscription[]> {
  const rows = await db.selectFrom('webhook_subscriptions').select(SUBSCRIPTION_COLUMNS).orderBy('created_at').orderBy('subscription_id').execute();
  return rows.map(subscriptionView);
}

// --- fan-out -------------------------------------------------------------------------------

/** Enabled subscriptions that want any of `types`, with the types each wants. */
export async function subscriptionsWanting(db: NotificationDb, types: WebhookEventType[]): Promise<Array<{ subscriptionId: string; events: WebhookEventType[] }>> {
  if (types.length === 0) return [];
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .select(['subscription_id', 'events'])
    .where('enabled', '=', true)
    .where(sql<boolean>`events && ${types}::text[]`)
    .execute();
  return rows.map((row) => ({ subscriptionId: row.subscription_id, events: row.events }));
}

export interface NewDelivery {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  eventType: WebhookEventType;
  orderId: string;
  payload: WebhookPayload;
}

/** A PENDING delivery, as a fan-out queues it. */
export interface PendingDelivery {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  orderId: string;
}

/**
 * Records the deliveries that do not exist yet (one per (subscription, event): a fan-out run again
 * adds nothing): one statement, whatever the batch's size (arrays unnested, not one parameter a value).
 */
export async function recordDeliveries(db: NotificationDb, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const column = <K extends keyof NewDelivery>(key: K) => deliveries.map((delivery) => delivery[key]);
  await sql`
    INSERT INTO notification.webhook_deliveries (delivery_id, subscription_id, event_id, event_type, order_id, payload)
    SELECT delivery_id, subscription_id, event_id, event_type, order_id, payload::jsonb
    FROM unnest(${column('deliveryId')}::uuid[], ${column('subscriptionId')}::uuid[], ${column('eventId')}::text[],
                ${column('eventType')}::text[], ${column('orderId')}::uuid[], ${deliveries.map((delivery) => JSON.stringify(delivery.payload))}::text[])
      AS d(delivery_id, subscription_id, event_id, event_type, order_id, payload)
    ON CONFLICT (subscription_id, event_id) DO NOTHING`.execute(db);
}

/**
 * Every PENDING delivery of these events, whichever subscription it is for and whatever that
 * subscription is now (disabled, or no longer wanting the type: the attempt settles those). Read
 * per subscription (at most WEBHOOK_LIMITS.subscriptions) over the unique (subscription_id,
 * event_id) index, not by scanning the never-pruned log for the event IDs.
 */
export async function pendingDeliveries(db: NotificationDb, eventIds: string[]): Promise<PendingDelivery[]> {
  if (eventIds.length === 0) return [];
  const rows = await sql<{ delivery_id: string; subscription_id: string; event_id: string; order_id: string }>`
    SELECT d.delivery_id, d.subscription_id, d.event_id, d.order_id
    FROM notification.webhook_subscriptions s
    JOIN notification.webhook_deliveries d ON d.subscription_id = s.subscription_id AND d.event_id = ANY(${eventIds}::text[])
    WHERE d.status = 'PENDING'`.execute(db);
  return rows.rows.map((row) => ({ deliveryId: row.delivery_id, subscriptionId: row.subscription_id, eventId: row.event_id, orderId: row.order_id }));
}

// --- attempts ------------------------------------------------------------------------------

/** A delivery with what an attempt needs of its subscription (and its secret: owner role only). */
export async function deliveryToAttempt(db: NotificationDb, deliveryId: string) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.subscription_id', 'd.subscription_id')
    .innerJoin('webhook_secrets as k', 'k.subscription_id', 'd.subscription_id')
    .select(['d.delivery_id', 'd.subscription_id', 'd.event_id', 'd.event_type', 'd.order_id', 'd.payload', 'd.status', 's.url', 's.enabled', 's.events', 'k.secret'])
    // The circuit breaker: null closed; above 0, open for that many ms more; else its cool-down is over (probe).
    .select(sql<number | null>`ceil(extract(epoch from s.open_until - now()) * 1000)::float8`.as('open_for_ms'))
    .where('d.delivery_id', '=', deliveryId)
    .executeTakeFirst();
}

/** Logs an attempt's start under the next number; racing attempts each get their own. */
export async function startAttempt(db: NotificationDb, deliveryId: string): Promise<number> {
  for (;;) {
    const row = await sql<{ attempt: number }>`
      INSERT INTO notification.webhook_attempts (delivery_id, attempt)
      SELECT ${deliveryId}::uuid, coalesce(max(attempt), 0) + 1 FROM notification.webhook_attempts WHERE delivery_id = ${deliveryId}::uuid
      ON CONFLICT (delivery_id, attempt) DO NOTHING
      RETURNING attempt`.execute(db);
    const attempt = row.rows[0]?.attempt;
    if (attempt !== undefined) return attempt;
  }
}

export interface AttemptResult {
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * Text a receiver (or the network) made, as PostgreSQL will store it: without NUL characters, which
 * a text column refuses outright (SQLSTATE 22021: the attempt could not be logged, and the delivery
 * stayed PENDING for good), and with no lone surrogate (an excerpt cut inside a pair).
 */
export const storableText = (text: string) => text.replaceAll('\u0000', '').toWellFormed();

const storableOrNull = (text: string | null, chars: number) => (text === null ? null : storableText(text).slice(0, chars).toWellFormed());

/** A subscription's circuit breaker: how many failed attempts in a row open it, and for how long. */
export interface BreakerRules {
  /** Failed attempts in a row (no answer, 5xx, 408, 429) that open it. */
  threshold: number;
  /** The first cool-down; each failed probe doubles it, up to maxCoolDownMs. */
  coolDownMs: number;
  maxCoolDownMs: number;
}

/** What an attempt tells the breaker: the receiver answered (up; any answer but 5xx, 408, 429) or not (down). */
export interface BreakerUpdate {
  receiver: 'up' | 'down';
  /** The attempt was the probe after a cool-down (claimProbe). */
  probe: boolean;
  rules: BreakerRules;
}

/**
 * Logs an attempt's end and, in the same statement, updates its subscription's breaker: an answer
 * closes it (failures back to 0); a failure counts, and at `threshold` in a row (or a failed probe)
 * opens it for coolDownMs * 2^(failures - threshold), at most maxCoolDownMs. An attempt that started
 * before the breaker opened and fails after changes nothing (the breaker is open already). Answers
 * for how long this very statement opened the breaker, if it did.
 */
export async function finishAttempt(db: NotificationDb, deliveryId: string, attempt: number, result: AttemptResult, breaker?: BreakerUpdate): Promise<{ openedForMs: number | undefined }> {
  const responseExcerpt = result.responseExcerpt === null ? null : storableText(result.responseExcerpt);
  const error = storableOrNull(result.error, 1000);
  const finish = sql`
    UPDATE notification.webhook_attempts
    SET finished_at = now(), status_code = ${result.statusCode}::int, latency_ms = ${result.latencyMs}::int, response_excerpt = ${responseExcerpt}::text, error = ${error}::text
    WHERE delivery_id = ${deliveryId}::uuid AND attempt = ${attempt}::int`;
  if (!breaker) {
    await finish.execute(db);
    return { openedForMs: undefined };
  }
  const { threshold, coolDownMs, maxCoolDownMs } = breaker.rules;
  const up = breaker.receiver === 'up';
  const coolDown = (failures: RawBuilder<unknown>) =>
    sql`least(${coolDownMs}::float8 * power(2, least(greatest(${failures} - ${threshold}::int, 0), 30)), ${maxCoolDownMs}::float8) * interval '1 millisecond'`;
  // Still open from before, and this attempt is no probe: it started before the breaker opened.
  const openAlready = sql`(NOT ${breaker.probe}::boolean AND coalesce(s.open_until > now(), false))`;
  const rows = await sql<{ opened: boolean; open_for_ms: number | null }>`
    WITH finished AS (${finish})
    UPDATE notification.webhook_subscriptions s SET
      consecutive_failures = CASE WHEN ${up}::boolean THEN 0 WHEN ${openAlready} THEN s.consecutive_failures ELSE s.consecutive_failures + 1 END,
      open_until = CASE
        WHEN ${up}::boolean THEN NULL
        WHEN ${openAlready} THEN s.open_until
        WHEN ${breaker.probe}::boolean OR s.consecutive_failures + 1 >= ${threshold}::int THEN now() + ${coolDown(sql`s.consecutive_failures + 1`)}
        ELSE s.open_until END
    FROM notification.webhook_deliveries d
    WHERE d.delivery_id = ${deliveryId}::uuid AND s.subscription_id = d.subscription_id
      -- Only a change is written: a closed breaker's successes, and an open one's late failures, leave the row alone.
      AND CASE WHEN ${up}::boolean THEN s.consecutive_failures <> 0 OR s.open_until IS NOT NULL ELSE NOT ${openAlready} END
    RETURNING coalesce(s.open_until = now() + ${coolDown(sql`s.consecutive_failures`)}, false) AS opened,
              ceil(extract(epoch from s.open_until - now()) * 1000)::float8 AS open_for_ms`.execute(db);
  const row = rows.rows[0];
  return { openedForMs: row?.opened ? (row.open_for_ms ?? undefined) : undefined };
}

/**
 * The breaker's cool-down is over: this attempt probes, unless another claimed the probe first. The
 * claim keeps the breaker open for `windowMs` (the probe's time), so that one attempt probes, not
 * every delivery waiting on it; a probe whose worker died frees it when the window passes.
 */
export async function claimProbe(db: NotificationDb, subscriptionId: string, windowMs: number): Promise<{ probe: true } | { probe: false; openForMs: number | null }> {
  const claimed = await sql`
    UPDATE notification.webhook_subscriptions SET open_until = now() + ${windowMs}::float8 * interval '1 millisecond'
    WHERE subscription_id = ${subscriptionId}::uuid AND open_until <= now()`.execute(db);
  if (claimed.numAffectedRows === 1n) return { probe: true };
  const row = await db
    .selectFrom('webhook_subscriptions')
    .select(sql<number | null>`ceil(extract(epoch from open_until - now()) * 1000)::float8`.as('open_for_ms'))
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return { probe: false, openForMs: row?.open_for_ms ?? null };
}

export async function markDelivered(db: NotificationDb, deliveryId: string): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ status: 'DELIVERED', failure: null, delivered_at: sql<Date>`now()` }).where('delivery_id', '=', deliveryId).execute();
}

/** FAILED with its reason; run again, the same. */
export async function markFailed(db: NotificationDb, deliveryId: string, failure: string): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ status: 'FAILED', failure: storableText(failure).slice(0, 1000).toWellFormed() }).where('delivery_id', '=', deliveryId).execute();
}

/** A redelivery opens the delivery again: its outcome is the redelivery's. */
export async function reopen(db: NotificationDb, deliveryId: string): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ status: 'PENDING', failure: null }).where('delivery_id', '=', deliveryId).where('status', '<>', 'PENDING').execute();
}

// --- the delivery log ----------------------------------------------------------------------

const DeliveryCursor = z.tuple([cursorInstant(), z.uuid()]);
type Cursor = z.infer<typeof DeliveryCursor>;

const DELIVERY_COLUMNS = ['delivery_id', 'subscription_id', 'event_id', 'event_type', 'order_id', 'status', 'failure', 'created_at'] as const;

async function attemptsOf(db: NotificationDb, deliveryIds: string[]): Promise<Map<string, DeliveryAttempt[]>> {
  const byDelivery = new Map<string, DeliveryAttempt[]>(deliveryIds.map((id) => [id, []]));
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
  for (const row of rows) {
    byDelivery.get(row.delivery_id)!.push({
      attempt: row.attempt,
      startedAt: row.started_at.toISOString(),
      finishedAt: row.finished_at?.toISOString() ?? null,
      statusCode: row.status_code,
      latencyMs: row.latency_ms,
      responseExcerpt: row.response_excerpt,
      error: row.error,
    });
  }
  return byDelivery;
}

type DeliveryRow = { delivery_id: string; subscription_id: string; event_id: string; event_type: WebhookEventType; order_id: string; status: DeliveryStatus; failure: string | null; created_at: Date };

const deliveryView = (row: DeliveryRow, attempts: DeliveryAttempt[]): WebhookDelivery => ({
  deliveryId: row.delivery_id,
  subscriptionId: row.subscription_id,
  eventId: row.event_id,
  eventType: row.event_type,
  orderId: row.order_id,
  status: row.status,
  failure: row.failure,
  createdAt: row.created_at.toISOString(),
  attempts,
});

/** A subscription's deliveries, newest first, each with its attempts (two statements a page). */
export async function listDeliveries(db: NotificationDb, query: { subscriptionId: string; limit: number; cursor?: string }): Promise<Page<WebhookDelivery>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, DeliveryCursor);
  let select = db
    .selectFrom('webhook_deliveries')
    .select(DELIVERY_COLUMNS)
    // To the microsecond, as stored (see listOrders): a millisecond cursor would skip rows.
    .select(sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key'))
    .where('subscription_id', '=', query.subscriptionId)
    .orderBy('created_at', 'desc')
    .orderBy('delivery_id', 'desc')
    .limit(query.limit + 1);
  if (after !== undefined) select = select.where(sql<boolean>`(created_at, delivery_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const rows = await select.execute();
  const attempts = await attemptsOf(db, rows.slice(0, query.limit).map((row) => row.delivery_id));
  return toPage(rows, query.limit, (row) => deliveryView(row, attempts.get(row.delivery_id) ?? []), (row): Cursor => [row.created_key, row.delivery_id]);
}

export async function findDelivery(db: NotificationDb, deliveryId: string): Promise<WebhookDelivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).where('delivery_id', '=', deliveryId).executeTakeFirst();
  if (!row) return undefined;
  const attempts = await attemptsOf(db, [deliveryId]);
  return deliveryView(row, attempts.get(deliveryId) ?? []);
}
