import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { sealingKey, unseal } from '../../common/sealed-secret.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runActivity as run, silentLog as log } from '../../test/support/activity.js';
import { serviceDatabases } from '../../test/support/databases.js';
import type { DeliverWebhooksInput, QueuedDelivery } from '../../workflows/webhooks.contract.js';
import { SYSTEM_ACTOR, type OrderEventType, type PublishedOrderEvent } from '../order/timeline.contract.js';
import { createWebhookMetrics, registerWebhookBacklogGauges } from './metrics.js';
import { createNotificationReads } from './reads.js';
import type { WebhookQueue } from './webhook-queue.js';
import { DEFAULT_WEBHOOK_RETRY, WEBHOOK_FAILURE, type WebhookEventType } from './webhooks.contract.js';
import { finishAttempt, insertSubscription, markFailed, startAttempt } from './webhooks.repository.js';
import { createWebhookActivities, type WebhookActivityDeps } from './webhooks.js';

const dbs = serviceDatabases();
const readers = serviceDatabases('reader');
const db = dbs.notification;
const reads = createNotificationReads(readers.notification);
/** The API's one-off key: subscriptions are created sealed to it, and only it opens their secrets. */
const key = await sealingKey();
const sealTo = key.publicKey;

/** `endless`: the status line, headers and `body` sent, and the body never ended. */
type Answer = { status: number; headers?: Record<string, string>; body?: string; endless?: boolean } | 'never';
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What `new Webhook(secret).verify(body, headers)` made of it. */
  verified: boolean | string;
}

/** A receiver on 127.0.0.1, as a customer's endpoint: verifies each request with the subscription's secret and answers as told. */
class Receiver {
  readonly received: Received[] = [];
  secret: string | undefined;
  answer: (request: Received) => Answer = () => ({ status: 200, body: 'ok' });
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: boolean | string = false;
      try {
        new Webhook(this.secret!).verify(body, request.headers as Record<string, string>);
        verified = true;
      } catch (error) {
        verified = (error as Error).message;
      }
      const received = { path: request.url ?? '', headers: request.headers, body, verified };
      this.received.push(received);
      const answer = this.answer(received);
      if (answer === 'never') return;
      if (answer.endless) {
        response.writeHead(answer.status, answer.headers).flushHeaders();
        if (answer.body) response.write(answer.body);
        return;
      }
      response.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    });
  });

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }
  get port() {
    return (this.server.address() as AddressInfo).port;
  }
  url(path = '/hooks') {
    return `http://127.0.0.1:${this.port}${path}`;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The queue port, recording what a fan-out hands over (its Temporal side is the workflows' suite). */
class RecordingQueue implements WebhookQueue {
  readonly enqueued: Array<DeliverWebhooksInput & { deliveries: QueuedDelivery[] }> = [];
  async enqueue(input: DeliverWebhooksInput & { deliveries: QueuedDelivery[] }) {
    this.enqueued.push(input);
  }
}

const activities = (overrides: Partial<WebhookActivityDeps> = {}) => {
  const queue = new RecordingQueue();
  return { queue, ...createWebhookActivities({ db, log, queue, retry: DEFAULT_WEBHOOK_RETRY, allowLoopback: true, metrics: createWebhookMetrics(), ...overrides }) };
};

let second = 0;
/** An order event as the outbox publishes it, each a second after the last. */
function event(orderId: string, type: OrderEventType): PublishedOrderEvent {
  second += 1;
  return {
    eventId: randomUUID(),
    orderId,
    type,
    at: new Date(Date.UTC(2026, 11, 7, 9, 0, second)).toISOString(),
    actor: SYSTEM_ACTOR,
    status: 'CONFIRMED',
    details: { totalCents: 2000, currency: 'EUR' },
    customerId: 'customer-1',
  } as PublishedOrderEvent;
}

const receivers: Receiver[] = [];
const receiver = async () => {
  const started = await new Receiver().start();
  receivers.push(started);
  return started;
};

afterAll(async () => {
  // Other suites share the database: leave them none of these subscriptions to fan their events out to.
  await db.deleteFrom('webhook_subscriptions').where('url', 'like', 'http://127.0.0.1:%').execute();
  await db.deleteFrom('webhook_subscriptions').where('url', 'like', 'http://localhost:%').execute();
  await db.deleteFrom('webhook_subscriptions').where('url', '=', 'https://93.184.215.14/hooks').execute();
  await Promise.all(receivers.map((r) => r.stop()));
  await Promise.all([dbs.destroy(), readers.destroy()]);
});

/** A subscription to `at`'s URL that its receiver verifies with, and one delivery of a fresh event for it. */
async function subscribed(at: Receiver, events: WebhookEventType[] = ['order.confirmed'], path?: string) {
  const webhooks = activities();
  const created = await run(webhooks.createWebhookSubscription, { sealTo, url: at.url(path), events });
  if (!created.ok) throw new Error(created.message);
  at.secret = unseal(created.value.sealedSecret, key);
  const orderId = randomUUID();
  const published = event(orderId, 'order.confirmed');
  await run(webhooks.fanOutWebhookEvents, { events: [published] });
  const mine = webhooks.queue.enqueued.find((queued) => queued.subscriptionId === created.value.subscriptionId)!;
  return { subscription: created.value, deliveryId: mine.deliveries[0]!.deliveryId, event: published };
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('subscriptions', () => {
  it('create answers the secret once, sealed to the key it was given; nothing logged or answered carries it in the clear; the reader role cannot read it', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const webhooks = activities({ log: capture });
    const created = await run(webhooks.createWebhookSubscription, { sealTo, url: 'http://127.0.0.1:9/hooks', events: ['order.placed', 'order.placed'], description: 'ERP' });
    expect(created).toMatchObject({ ok: true, value: { url: 'http://127.0.0.1:9/hooks', events: ['order.placed'], enabled: true, description: 'ERP', sealedSecret: expect.any(String) } });
    if (!created.ok) return;
    const { sealedSecret, ...view } = created.value;
    expect(Object.keys(created.value)).not.toContain('secret');
    const secret = unseal(sealedSecret, key);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const another = await sealingKey();
    expect(() => unseal(sealedSecret, another)).toThrow();
    const secretBytes = secret.slice('whsec_'.length);
    expect(JSON.stringify(created)).not.toContain(secretBytes);
    expect(lines.join('')).toContain('webhook subscription created');
    expect(lines.join('')).not.toContain(secretBytes);
    expect(await reads.webhookSubscription(view.subscriptionId)).toEqual(view);
    expect(await reads.webhookSubscriptions()).toContainEqual(view);
    expect(JSON.stringify(await reads.webhookSubscriptions())).not.toContain(secret);
    expect(await readers.notification.selectFrom('webhook_secrets').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('webhook_secrets').select('secret').where('subscription_id', '=', view.subscriptionId).executeTakeFirst()).toEqual({ secret });
  });

  it('a sealTo that is not a public key is the input\'s fault: non-retryable, and nothing is stored', async () => {
    const url = `http://127.0.0.1:9/not-a-key-${randomUUID()}`;
    const refused = await run(activities().createWebhookSubscription, { sealTo: 'not a key', url, events: ['order.placed'] }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ message: expect.stringMatching(/sealTo/) });
    expect(await db.selectFrom('webhook_subscriptions').select('subscription_id').where('url', '=', url).execute()).toEqual([]);
  });

  it('refuses targets that are not public unicast addresses, after DNS, as results', async () => {
    const strict = activities({ allowLoopback: false });
    const at = await receiver();
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1/', 'http://10.0.0.1/', `http://localhost:${at.port}/`, 'http://[::ffff:127.0.0.1]/', 'ftp://example.com/']) {
      const refused = await run(strict.createWebhookSubscription, { sealTo, url, events: ['order.placed'] });
      expect(refused, url).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.targetRefused });
    }
    // A hostname that resolves to loopback is refused as its address, and named.
    expect(await run(strict.createWebhookSubscription, { sealTo, url: `http://localhost:${at.port}/`, events: ['order.placed'] })).toMatchObject({ message: expect.stringMatching(/localhost: .*loopback/) });
    // Loopback only with WEBHOOK_ALLOW_LOOPBACK; never the metadata endpoint.
    expect(await run(activities().createWebhookSubscription, { sealTo, url: `http://localhost:${at.port}/`, events: ['order.placed'] })).toMatchObject({ ok: true });
    expect(await run(activities().createWebhookSubscription, { sealTo, url: 'http://169.254.169.254/', events: ['order.placed'] })).toMatchObject({ ok: false });
  });

  it('update checks a new URL the same way; update and delete of an unknown ID are refusals', async () => {
    const webhooks = activities({ allowLoopback: false });
    const created = await run(activities().createWebhookSubscription, { sealTo, url: 'https://93.184.215.14/hooks', events: ['order.placed'] });
    if (!created.ok) throw new Error(created.message);
    const { subscriptionId } = created.value;
    expect(await run(webhooks.updateWebhookSubscription, { subscriptionId, changes: { url: 'http://192.168.1.1/' } })).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.targetRefused });
    const updated = await run(webhooks.updateWebhookSubscription, { subscriptionId, changes: { enabled: false, events: ['order.shipped'] } });
    expect(updated).toMatchObject({ ok: true, value: { url: 'https://93.184.215.14/hooks', enabled: false, events: ['order.shipped'] } });
    expect(await run(webhooks.deleteWebhookSubscription, { subscriptionId })).toEqual({ ok: true, value: { subscriptionId } });
    expect(await run(webhooks.deleteWebhookSubscription, { subscriptionId })).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.notFound });
    expect(await run(webhooks.updateWebhookSubscription, { subscriptionId, changes: { enabled: true } })).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.notFound });
  });

  it('stores no subscription beyond the limit', async () => {
    const subscription = { subscriptionId: randomUUID(), url: 'https://93.184.215.14/', events: ['order.placed' as const], enabled: true, description: null, secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` };
    expect(await insertSubscription(db, subscription, 0)).toBeUndefined();
    expect(await reads.webhookSubscription(subscription.subscriptionId)).toBeUndefined();
  });
});

describe('fanOutWebhookEvents', () => {
  it('makes one delivery per (subscription, event) even when run twice, queued per (subscription, order) in event order; skips disabled subscriptions and unwanted types', async () => {
    const webhooks = activities();
    const subscribe = async (events: WebhookEventType[], enabled = true) => {
      const created = await run(webhooks.createWebhookSubscription, { sealTo, url: 'http://127.0.0.1:9/', events, enabled });
      if (!created.ok) throw new Error(created.message);
      return created.value.subscriptionId;
    };
    const all = await subscribe(['order.placed', 'order.confirmed']);
    const confirmedOnly = await subscribe(['order.confirmed']);
    const disabled = await subscribe(['order.placed', 'order.confirmed'], false);
    const [order1, order2] = [randomUUID(), randomUUID()];
    const events = [event(order1, 'order.placed'), event(order2, 'order.placed'), event(order1, 'order.confirmed'), event(order2, 'order.confirmed'), event(order1, 'order.shipped')];

    const first = await run(webhooks.fanOutWebhookEvents, { events });
    const afterFirst = webhooks.queue.enqueued.length;
    const again = await run(webhooks.fanOutWebhookEvents, { events });

    const mine = (queued: typeof webhooks.queue.enqueued) =>
      queued.filter((group) => [all, confirmedOnly, disabled].includes(group.subscriptionId)).map(({ subscriptionId, orderId, deliveries }) => ({ subscriptionId, orderId, deliveryIds: deliveries.map((delivery) => delivery.deliveryId) }));
    const stored = await db.selectFrom('webhook_deliveries').select(['delivery_id', 'subscription_id', 'event_id', 'order_id', 'status']).where('order_id', 'in', [order1, order2]).execute();
    const idOf = (subscriptionId: string, eventIndex: number) => stored.find((row) => row.subscription_id === subscriptionId && row.event_id === events[eventIndex]!.eventId)!.delivery_id;
    expect(stored.filter((row) => row.subscription_id === all)).toHaveLength(4);
    expect(stored.filter((row) => row.subscription_id === confirmedOnly)).toHaveLength(2);
    expect(stored.filter((row) => row.subscription_id === disabled)).toHaveLength(0);
    const expected = [
      { subscriptionId: all, orderId: order1, deliveryIds: [idOf(all, 0), idOf(all, 2)] },
      { subscriptionId: all, orderId: order2, deliveryIds: [idOf(all, 1), idOf(all, 3)] },
      { subscriptionId: confirmedOnly, orderId: order1, deliveryIds: [idOf(confirmedOnly, 2)] },
      { subscriptionId: confirmedOnly, orderId: order2, deliveryIds: [idOf(confirmedOnly, 3)] },
    ];
    const byPair = (a: { subscriptionId: string; orderId: string }, b: { subscriptionId: string; orderId: string }) => `${a.subscriptionId}/${a.orderId}`.localeCompare(`${b.subscriptionId}/${b.orderId}`);
    // The second run queues the same deliveries again (a fan-out retried after a crash hands them over).
    expect(mine(webhooks.queue.enqueued.slice(0, afterFirst)).sort(byPair)).toEqual(expected.sort(byPair));
    expect(mine(webhooks.queue.enqueued.slice(afterFirst)).sort(byPair)).toEqual(expected);
    // Counts only (other suites' subscriptions that want these types count too): at least this test's.
    expect(first.deliveries).toBeGreaterThanOrEqual(6);
    expect(first.runs).toBeGreaterThanOrEqual(4);
    expect(again).toEqual(first);
    expect(webhooks.queue.enqueued.filter((queued) => queued.subscriptionId === all && queued.orderId === order1)).toEqual([
      { subscriptionId: all, orderId: order1, retry: DEFAULT_WEBHOOK_RETRY, deliveries: [{ deliveryId: idOf(all, 0), redeliver: false }, { deliveryId: idOf(all, 2), redeliver: false }] },
      { subscriptionId: all, orderId: order1, retry: DEFAULT_WEBHOOK_RETRY, deliveries: [{ deliveryId: idOf(all, 0), redeliver: false }, { deliveryId: idOf(all, 2), redeliver: false }] },
    ]);
    for (const subscriptionId of [all, confirmedOnly, disabled]) await run(webhooks.deleteWebhookSubscription, { subscriptionId });
  });
});

describe('fanOutWebhookEvents, retried after a crash between recording and queueing', () => {
  it('queues every PENDING delivery it recorded, even for a subscription disabled or no longer wanting the type meanwhile; the attempt fails those without a request', async () => {
    const at = await receiver();
    let crash = true;
    const queued: Array<DeliverWebhooksInput & { deliveries: QueuedDelivery[] }> = [];
    const queue: WebhookQueue = {
      async enqueue(input) {
        if (crash) throw new Error('the worker died before signalling');
        queued.push(input);
      },
    };
    const webhooks = activities({ queue });
    const subscribe = async () => {
      const created = await run(webhooks.createWebhookSubscription, { sealTo, url: at.url(), events: ['order.placed', 'order.confirmed'] });
      if (!created.ok) throw new Error(created.message);
      return created.value.subscriptionId;
    };
    const [toDisable, toNarrow, unchanged] = [await subscribe(), await subscribe(), await subscribe()];
    const orderId = randomUUID();
    const events = [event(orderId, 'order.placed'), event(orderId, 'order.confirmed')];

    await expect(run(webhooks.fanOutWebhookEvents, { events })).rejects.toThrow(/before signalling/);
    await run(webhooks.updateWebhookSubscription, { subscriptionId: toDisable, changes: { enabled: false } });
    await run(webhooks.updateWebhookSubscription, { subscriptionId: toNarrow, changes: { events: ['order.confirmed'] } });
    crash = false;
    const counts = await run(webhooks.fanOutWebhookEvents, { events });

    const stored = await db.selectFrom('webhook_deliveries').select(['delivery_id', 'subscription_id', 'event_id']).where('order_id', '=', orderId).where('subscription_id', 'in', [toDisable, toNarrow, unchanged]).execute();
    const idOf = (subscriptionId: string, index: number) => stored.find((row) => row.subscription_id === subscriptionId && row.event_id === events[index]!.eventId)!.delivery_id;
    expect(stored).toHaveLength(6);
    const mine = queued.filter((group) => [toDisable, toNarrow, unchanged].includes(group.subscriptionId)).map((group) => [group.subscriptionId, group.deliveries.map((delivery) => delivery.deliveryId)]);
    expect(mine.sort()).toEqual([toDisable, toNarrow, unchanged].map((subscriptionId) => [subscriptionId, [idOf(subscriptionId, 0), idOf(subscriptionId, 1)]]).sort());
    expect(counts.deliveries).toBeGreaterThanOrEqual(6);

    const metrics = createWebhookMetrics();
    const attempts = activities({ metrics });
    const attempt = (deliveryId: string) => run(attempts.attemptWebhookDelivery, { deliveryId, redeliver: false });
    expect(await attempt(idOf(toDisable, 0))).toEqual({ status: 'FAILED' });
    expect(await attempt(idOf(toNarrow, 0))).toEqual({ status: 'FAILED' });
    expect(at.received).toHaveLength(0);
    expect(await reads.webhookDelivery(idOf(toNarrow, 0))).toMatchObject({ status: 'FAILED', failure: 'the subscription no longer wants order.placed', attempts: [] });
    expect(await reads.webhookDelivery(idOf(toDisable, 0))).toMatchObject({ status: 'FAILED', failure: 'the subscription is disabled', attempts: [] });
    expect(await metrics.failedForGood.get()).toMatchObject({ values: expect.arrayContaining([{ value: 1, labels: { cause: 'subscription_unsubscribed' } }, { value: 1, labels: { cause: 'subscription_disabled' } }]) });
    // What it still wants goes as before.
    expect(await attempt(idOf(toNarrow, 1))).toEqual({ status: 'DELIVERED' });
    for (const subscriptionId of [toDisable, toNarrow, unchanged]) await run(webhooks.deleteWebhookSubscription, { subscriptionId });
  });

  it('heartbeats as it signals, once a (subscription, order) handed over', async () => {
    const webhooks = activities();
    const created = await run(webhooks.createWebhookSubscription, { sealTo, url: 'http://127.0.0.1:9/heartbeats', events: ['order.shipped'] });
    if (!created.ok) throw new Error(created.message);
    const events = Array.from({ length: 5 }, () => event(randomUUID(), 'order.shipped'));
    const noop = () => {};
    const environment = new MockActivityEnvironment(undefined, { logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } });
    let heartbeats = 0;
    environment.on('heartbeat', () => void (heartbeats += 1));
    const counts = (await environment.run(webhooks.fanOutWebhookEvents, { events })) as { deliveries: number; runs: number };
    expect(counts.runs).toBeGreaterThanOrEqual(5);
    expect(heartbeats).toBe(counts.runs);
    await run(webhooks.deleteWebhookSubscription, { subscriptionId: created.value.subscriptionId });
  });
});

describe('fanOutWebhookEvents, a full batch', () => {
  it('100 events over 10 orders: every order\'s deliveries in event order, handed over at most queueConcurrency at once', async () => {
    let inFlight = 0;
    let most = 0;
    const handed: Array<{ subscriptionId: string; orderId: string; deliveryIds: string[] }> = [];
    const queue: WebhookQueue = {
      async enqueue({ subscriptionId, orderId, deliveries }) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Yields, as a signal to Temporal does, so that the other lanes start meanwhile.
        await new Promise<void>((resolve) => setImmediate(resolve));
        handed.push({ subscriptionId, orderId, deliveryIds: deliveries.map((delivery) => delivery.deliveryId) });
        inFlight -= 1;
      },
    };
    const webhooks = createWebhookActivities({ db, log, queue, retry: DEFAULT_WEBHOOK_RETRY, allowLoopback: true, queueConcurrency: 4 });
    const created = await run(webhooks.createWebhookSubscription, { sealTo, url: 'http://127.0.0.1:9/batch', events: ['order.placed', 'order.confirmed', 'order.shipped', 'order.delivered'] });
    if (!created.ok) throw new Error(created.message);
    const orders = Array.from({ length: 10 }, () => randomUUID());
    const types = ['order.placed', 'order.confirmed', 'order.shipped', 'order.delivered'] as const;
    const events = Array.from({ length: 100 }, (_, index) => event(orders[index % 10]!, types[Math.floor(index / 10) % 4]!));

    await run(webhooks.fanOutWebhookEvents, { events });

    const stored = await db.selectFrom('webhook_deliveries').select(['delivery_id', 'event_id']).where('subscription_id', '=', created.value.subscriptionId).execute();
    const deliveryOf = new Map(stored.map((row) => [row.event_id, row.delivery_id]));
    // Other tests' subscriptions that want these types get theirs too: look at this one's.
    const mine = handed.filter((group) => group.subscriptionId === created.value.subscriptionId);
    expect(stored).toHaveLength(100);
    expect(mine).toHaveLength(10);
    for (const orderId of orders) {
      const expected = events.filter((published) => published.orderId === orderId).map((published) => deliveryOf.get(published.eventId));
      expect(mine.find((group) => group.orderId === orderId)!.deliveryIds).toEqual(expected);
    }
    expect(most).toBe(4);
    await run(webhooks.deleteWebhookSubscription, { subscriptionId: created.value.subscriptionId });
  });
});

describe('attemptWebhookDelivery', () => {
  it('signs per Standard Webhooks, the receiver verifies it, and the attempt is logged; once delivered, nothing more is sent', async () => {
    const at = await receiver();
    const { subscription, deliveryId, event: published } = await subscribed(at);
    const webhooks = activities();

    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });

    expect(at.received).toHaveLength(1);
    const [request] = at.received;
    expect(request!.verified).toBe(true);
    expect(request!.headers).toMatchObject({ 'webhook-id': published.eventId, 'content-type': 'application/json', 'user-agent': expect.stringMatching(/^orderflow-webhooks\//) });
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    const { eventId, type, at: when, ...data } = published;
    expect(JSON.parse(request!.body)).toEqual({ id: eventId, type, version: 1, timestamp: when, data });
    expect(Object.keys(JSON.parse(request!.body) as object)).toEqual(['id', 'type', 'version', 'timestamp', 'data']);

    const delivery = await reads.webhookDelivery(deliveryId);
    expect(delivery).toMatchObject({ deliveryId, subscriptionId: subscription.subscriptionId, eventId, eventType: 'order.confirmed', status: 'DELIVERED', failure: null });
    expect(delivery!.attempts).toEqual([{ attempt: 1, startedAt: expect.any(String), finishedAt: expect.any(String), statusCode: 200, latencyMs: expect.any(Number), responseExcerpt: 'ok', error: null }]);
  });

  it('410: refused for good, one attempt, FAILED', async () => {
    const at = await receiver();
    at.answer = () => ({ status: 410, body: 'gone' });
    const { deliveryId } = await subscribed(at);
    const refused = await failure(run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(refused).toMatchObject({ type: WEBHOOK_FAILURE.receiverRefused, nonRetryable: true });
    expect(at.received).toHaveLength(1);
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'FAILED', failure: 'the receiver answered 410', attempts: [{ attempt: 1, statusCode: 410, responseExcerpt: 'gone' }] });
  });

  it('500: a retryable failure, logged with the answer cut to the excerpt; the delivery stays PENDING', async () => {
    const at = await receiver();
    at.answer = () => ({ status: 500, body: 'x'.repeat(5000) });
    const { deliveryId } = await subscribed(at);
    const failed = await failure(run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(failed).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed, nonRetryable: false });
    expect(failed.nextRetryDelay).toBeUndefined();
    const delivery = await reads.webhookDelivery(deliveryId);
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: [{ attempt: 1, statusCode: 500, error: null }] });
    expect(delivery!.attempts[0]!.responseExcerpt).toBe('x'.repeat(500));
  });

  it('503 with Retry-After: 70: the next attempt in 70 s; the next attempt is numbered 2', async () => {
    const at = await receiver();
    at.answer = () => ({ status: 503, headers: { 'retry-after': '70' } });
    const { deliveryId } = await subscribed(at);
    const failed = await failure(run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(failed).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed, nonRetryable: false, nextRetryDelay: 70_000 });
    at.answer = () => ({ status: 204 });
    expect(await run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect((await reads.webhookDelivery(deliveryId))!.attempts.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([[1, 503], [2, 204]]);
  });

  it('Retry-After within the worker\'s retry policy: 0 or a past date is the normal backoff; 1 s is floored at the initial interval, a day capped at the maximum', async () => {
    const at = await receiver();
    let retryAfter = '0';
    at.answer = () => ({ status: 503, headers: { 'retry-after': retryAfter } });
    const { deliveryId } = await subscribed(at);
    const webhooks = activities({ retry: { initialInterval: '30s', maximumInterval: '5m', giveUpAfter: '1h' } });
    const next = async (header: string) => {
      retryAfter = header;
      return (await failure(run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false }))).nextRetryDelay;
    };
    expect(await next('0')).toBeUndefined();
    expect(await next('Sun, 06 Nov 1994 08:49:37 GMT')).toBeUndefined();
    expect(await next('1')).toBe(30_000);
    expect(await next('86400')).toBe(300_000);
  });

  it.each([200, 500])('a %i whose body holds NUL characters is logged without them (PostgreSQL refuses them), and settles the delivery as usual', async (status) => {
    const at = await receiver();
    at.answer = () => ({ status, body: 'ok\u0000 then \u0000\u0000NUL' });
    const { deliveryId } = await subscribed(at);
    const attempt = run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false });
    if (status === 200) expect(await attempt).toEqual({ status: 'DELIVERED' });
    else expect(await failure(attempt)).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed, nonRetryable: false });
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({
      status: status === 200 ? 'DELIVERED' : 'PENDING',
      attempts: [{ attempt: 1, statusCode: status, finishedAt: expect.any(String), responseExcerpt: 'ok then NUL', error: null }],
    });
  });

  it('an error or failure text with NUL characters or a lone surrogate is stored without them', async () => {
    const at = await receiver();
    const { deliveryId } = await subscribed(at);
    const attempt = await startAttempt(db, deliveryId);
    await finishAttempt(db, deliveryId, attempt, { statusCode: null, latencyMs: 1, responseExcerpt: 'a\u0000b\ud800', error: 'ECONNRESET: \u0000reset\udc00' });
    await markFailed(db, deliveryId, 'the receiver answered \u0000');
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({
      status: 'FAILED',
      failure: 'the receiver answered ',
      attempts: [{ responseExcerpt: 'ab\ufffd', error: 'ECONNRESET: reset\ufffd' }],
    });
  });

  it('302: the redirect is not followed, and the delivery FAILED', async () => {
    const at = await receiver();
    at.answer = (request) => (request.path === '/moved' ? { status: 200 } : { status: 302, headers: { location: at.url('/moved') } });
    const { deliveryId } = await subscribed(at);
    const refused = await failure(run(activities().attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(refused).toMatchObject({ type: WEBHOOK_FAILURE.receiverRefused, nonRetryable: true });
    expect(at.received.map((request) => request.path)).toEqual(['/hooks']);
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({
      status: 'FAILED',
      failure: expect.stringMatching(/302, a redirect to .*\/moved: redirects are not followed/),
      attempts: [{ statusCode: 302, error: 'redirect not followed' }],
    });
  });

  it('redeliver sends a delivered one again, with the same webhook-id, and it ends DELIVERED', async () => {
    const at = await receiver();
    const { deliveryId, event: published } = await subscribed(at);
    const webhooks = activities();
    await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: true })).toEqual({ status: 'DELIVERED' });
    expect(at.received.map((request) => [request.headers['webhook-id'], request.verified])).toEqual([
      [published.eventId, true],
      [published.eventId, true],
    ]);
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'DELIVERED', attempts: [{ attempt: 1 }, { attempt: 2 }] });
  });

  it('a receiver that never answers is cut at the attempt timeout: retried, logged without a status', async () => {
    const at = await receiver();
    at.answer = () => 'never';
    const { deliveryId } = await subscribed(at);
    const failed = await failure(run(activities({ attemptTimeoutMs: 300 }).attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(failed).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed, nonRetryable: false, message: 'no answer: no answer within 300 ms' });
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'PENDING', attempts: [{ statusCode: null, finishedAt: expect.any(String), error: 'no answer within 300 ms' }] });
    expect(at.received).toHaveLength(1);
  });

  it.each([
    ['a body that never ends', 'accepted, more to come'],
    ['no body at all, never ended', undefined],
  ])('a 2xx with %s is delivered once its head is in: the body is read for the excerpt only, briefly', async (_, body) => {
    const at = await receiver();
    at.answer = () => ({ status: 200, body, endless: true });
    const { deliveryId } = await subscribed(at);
    // The attempt's time is far longer than the body's: it is the body's bound that ends the read.
    const webhooks = activities({ attemptTimeoutMs: 5_000, answerBodyWaitMs: 50 });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    const delivery = await reads.webhookDelivery(deliveryId);
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: [{ attempt: 1, statusCode: 200, responseExcerpt: body ?? null, error: null }] });
    expect(delivery!.attempts[0]!.latencyMs).toBeLessThan(5_000);
    expect(at.received).toHaveLength(1);
  });

  it('a 2xx whose body is still coming when the attempt\'s time runs out is delivered too', async () => {
    const at = await receiver();
    at.answer = () => ({ status: 202, body: 'slow', endless: true });
    const { deliveryId } = await subscribed(at);
    const webhooks = activities({ attemptTimeoutMs: 100, answerBodyWaitMs: 60_000 });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'DELIVERED', attempts: [{ statusCode: 202, responseExcerpt: 'slow' }] });
  });

  it('checks the target again at every attempt: a loopback receiver is refused for good where loopback is not allowed', async () => {
    const at = await receiver();
    const { deliveryId } = await subscribed(at);
    const refused = await failure(run(activities({ allowLoopback: false }).attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(refused).toMatchObject({ type: WEBHOOK_FAILURE.targetRefused, nonRetryable: true });
    expect(at.received).toHaveLength(0);
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'FAILED', failure: expect.stringMatching(/loopback/), attempts: [{ statusCode: null, error: expect.stringMatching(/^target refused: 127\.0\.0\.1 is loopback/) }] });
  });

  it('connects to the address it checked: the host is resolved once an attempt, and never again by the HTTP client (a rebind cannot move it)', async () => {
    const at = await receiver();
    // A name only this resolver knows: were the client to look it up again, it would not resolve.
    const lookups: string[] = [];
    const resolve = async (host: string) => {
      lookups.push(host);
      return ['127.0.0.1'];
    };
    const webhooks = activities({ resolve });
    const created = await run(webhooks.createWebhookSubscription, { sealTo, url: `http://hooks.rebind.invalid:${at.port}/hooks`, events: ['order.delivered'] });
    if (!created.ok) throw new Error(created.message);
    at.secret = unseal(created.value.sealedSecret, key);
    await run(webhooks.fanOutWebhookEvents, { events: [event(randomUUID(), 'order.delivered')] });
    const deliveryId = webhooks.queue.enqueued.find((group) => group.subscriptionId === created.value.subscriptionId)!.deliveries[0]!.deliveryId;
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(lookups).toEqual(['hooks.rebind.invalid', 'hooks.rebind.invalid']); // the creation's check, the attempt's
    expect(at.received.map((request) => [request.headers.host, request.verified])).toEqual([[`hooks.rebind.invalid:${at.port}`, true]]);
    await run(webhooks.deleteWebhookSubscription, { subscriptionId: created.value.subscriptionId });
  });

  it('a disabled subscription fails its delivery without a request; a deleted one leaves nothing to send', async () => {
    const at = await receiver();
    const webhooks = activities();
    const { subscription, deliveryId } = await subscribed(at);
    await run(webhooks.updateWebhookSubscription, { subscriptionId: subscription.subscriptionId, changes: { enabled: false } });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'FAILED' });
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'FAILED', failure: 'the subscription is disabled', attempts: [] });
    await run(webhooks.deleteWebhookSubscription, { subscriptionId: subscription.subscriptionId });
    expect(await reads.webhookDelivery(deliveryId)).toBeUndefined();
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: true })).toEqual({ status: 'FAILED' });
    expect(at.received).toHaveLength(0);
  });
});

describe('the circuit breaker', () => {
  const breakerOf = (subscriptionId: string) =>
    db.selectFrom('webhook_subscriptions').select(['consecutive_failures', 'open_until']).where('subscription_id', '=', subscriptionId).executeTakeFirstOrThrow();
  /** The cool-down passes (the clock injected as the breaker's state, not waited for). */
  const coolDownPasses = (subscriptionId: string) =>
    db.updateTable('webhook_subscriptions').set({ open_until: sql<Date>`now() - interval '1 second'` }).where('subscription_id', '=', subscriptionId).execute();
  /** Another delivery for the subscription, of a fresh order's event. */
  async function anotherDelivery(subscriptionId: string): Promise<string> {
    const webhooks = activities();
    await run(webhooks.fanOutWebhookEvents, { events: [event(randomUUID(), 'order.confirmed')] });
    return webhooks.queue.enqueued.find((queued) => queued.subscriptionId === subscriptionId)!.deliveries[0]!.deliveryId;
  }

  it('5 failed attempts in a row open it: the next makes no request and is retried when the cool-down ends; a failed probe doubles the cool-down; a success closes it', async () => {
    const at = await receiver();
    at.answer = () => 'never';
    const { subscription, deliveryId } = await subscribed(at);
    const { subscriptionId } = subscription;
    const metrics = createWebhookMetrics();
    const webhooks = activities({ attemptTimeoutMs: 100, metrics });
    const attempt = (id = deliveryId) => failure(run(webhooks.attemptWebhookDelivery, { deliveryId: id, redeliver: false }));

    for (let n = 1; n <= 4; n++) {
      expect(await attempt()).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed });
      expect(await breakerOf(subscriptionId)).toEqual({ consecutive_failures: n, open_until: null });
    }
    expect(await attempt()).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed });
    expect((await breakerOf(subscriptionId)).consecutive_failures).toBe(5);
    expect((await metrics.breakerOpened.get()).values[0]!.value).toBe(1);
    expect(at.received).toHaveLength(5);

    // Open: at once, no request, not logged as an attempt; retried when the 30 s cool-down ends.
    const started = performance.now();
    const open = await attempt(await anotherDelivery(subscriptionId));
    expect(performance.now() - started).toBeLessThan(100);
    expect(open).toMatchObject({ type: WEBHOOK_FAILURE.circuitOpen, nonRetryable: false, message: expect.stringMatching(/^circuit open/) });
    expect(open.nextRetryDelay).toBeGreaterThan(28_000);
    expect(open.nextRetryDelay).toBeLessThanOrEqual(30_000);
    expect(at.received).toHaveLength(5);
    expect((await reads.webhookDelivery(deliveryId))!.attempts).toHaveLength(5);
    expect((await metrics.shortCircuited.get()).values[0]!.value).toBe(1);
    expect((await metrics.attempts.get()).values.find((value) => value.labels.outcome === 'failed')!.value).toBe(5);

    // The cool-down passes: one probe goes; it fails, and the breaker opens for twice as long.
    await coolDownPasses(subscriptionId);
    expect(await attempt()).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed });
    expect(at.received).toHaveLength(6);
    expect((await breakerOf(subscriptionId)).consecutive_failures).toBe(6);
    expect((await attempt()).nextRetryDelay).toBeGreaterThan(58_000);
    expect(at.received).toHaveLength(6);

    // The receiver is back: the next probe delivers, and the breaker is closed.
    await coolDownPasses(subscriptionId);
    at.answer = () => ({ status: 200 });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(await breakerOf(subscriptionId)).toEqual({ consecutive_failures: 0, open_until: null });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId: await anotherDelivery(subscriptionId), redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(at.received).toHaveLength(8);
  });

  it('a new URL closes the breaker: the old receiver\'s failures are not the new one\'s', async () => {
    const at = await receiver();
    const { subscription, deliveryId } = await subscribed(at);
    const { subscriptionId } = subscription;
    await db.updateTable('webhook_subscriptions').set({ consecutive_failures: 7, open_until: sql<Date>`now() + interval '10 minutes'` }).where('subscription_id', '=', subscriptionId).execute();
    const webhooks = activities();
    expect(await failure(run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false }))).toMatchObject({ type: WEBHOOK_FAILURE.circuitOpen });
    await run(webhooks.updateWebhookSubscription, { subscriptionId, changes: { description: 'same receiver' } });
    expect((await breakerOf(subscriptionId)).consecutive_failures).toBe(7);
    await run(webhooks.updateWebhookSubscription, { subscriptionId, changes: { url: at.url('/new') } });
    expect(await breakerOf(subscriptionId)).toEqual({ consecutive_failures: 0, open_until: null });
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(at.received.map((request) => request.path)).toEqual(['/new']);
    // A closed breaker's successes write nothing to the subscription's row (no lock taken, no dead tuple).
    const version = () => db.selectFrom('webhook_subscriptions').select(sql<string>`xmin::text`.as('xmin')).where('subscription_id', '=', subscriptionId).executeTakeFirstOrThrow();
    const before = await version();
    expect(await run(webhooks.attemptWebhookDelivery, { deliveryId: await anotherDelivery(subscriptionId), redeliver: false })).toEqual({ status: 'DELIVERED' });
    expect(await version()).toEqual(before);
  });

  it('one probe at a time: while it is under way, another delivery of the subscription waits for it without a request', async () => {
    const at = await receiver();
    const { subscription, deliveryId } = await subscribed(at);
    const { subscriptionId } = subscription;
    await db.updateTable('webhook_subscriptions').set({ consecutive_failures: 5, open_until: sql<Date>`now() - interval '1 second'` }).where('subscription_id', '=', subscriptionId).execute();
    let arrived!: () => void;
    const probeArrived = new Promise<void>((resolve) => (arrived = resolve));
    at.answer = () => {
      arrived();
      return 'never';
    };
    const webhooks = activities({ attemptTimeoutMs: 2_000 });
    const probe = failure(run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false }));
    await probeArrived;
    const waiting = await failure(run(webhooks.attemptWebhookDelivery, { deliveryId: await anotherDelivery(subscriptionId), redeliver: false }));
    // The probe holds the breaker for its attempt's time and Temporal's margin.
    expect(waiting).toMatchObject({ type: WEBHOOK_FAILURE.circuitOpen });
    expect(waiting.nextRetryDelay).toBeGreaterThan(5_000);
    expect(waiting.nextRetryDelay).toBeLessThanOrEqual(7_000);
    expect(at.received).toHaveLength(1);
    expect(await probe).toMatchObject({ type: WEBHOOK_FAILURE.receiverFailed });
    expect((await breakerOf(subscriptionId)).consecutive_failures).toBe(6);
  });

  it('an answer that is a refusal (a 4xx) shows the receiver alive: it closes the breaker too; an attempt that started before it opened does not prolong it', async () => {
    const at = await receiver();
    at.answer = () => ({ status: 503 });
    const { subscription, deliveryId } = await subscribed(at);
    const { subscriptionId } = subscription;
    const webhooks = activities();
    for (let n = 1; n <= 5; n++) await failure(run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false }));
    const opened = await breakerOf(subscriptionId);
    expect(opened.open_until).not.toBeNull();
    // An attempt begun before the breaker opened, finishing now: counted neither as a failure nor as a probe.
    const late = await startAttempt(db, deliveryId);
    await finishAttempt(db, deliveryId, late, { statusCode: 503, latencyMs: 1, responseExcerpt: null, error: null }, { receiver: 'down', probe: false, rules: { threshold: 5, coolDownMs: 30_000, maxCoolDownMs: 3_600_000 } });
    expect(await breakerOf(subscriptionId)).toEqual(opened);
    await coolDownPasses(subscriptionId);
    at.answer = () => ({ status: 410 });
    await failure(run(webhooks.attemptWebhookDelivery, { deliveryId, redeliver: false }));
    expect(await breakerOf(subscriptionId)).toEqual({ consecutive_failures: 0, open_until: null });
  });
});

describe('giveUpWebhookDelivery and the delivery log', () => {
  it('gives up with the reason (again: the same); the log pages a subscription\'s deliveries newest first', async () => {
    const at = await receiver();
    const webhooks = activities();
    const { subscription, deliveryId } = await subscribed(at);
    await run(webhooks.giveUpWebhookDelivery, { deliveryId, reason: 'no successful attempt within 24h' });
    await run(webhooks.giveUpWebhookDelivery, { deliveryId, reason: 'no successful attempt within 24h' });
    expect(await reads.webhookDelivery(deliveryId)).toMatchObject({ status: 'FAILED', failure: 'no successful attempt within 24h' });

    const orderId = randomUUID();
    const later = [event(orderId, 'order.confirmed'), event(randomUUID(), 'order.confirmed')];
    for (const published of later) await run(webhooks.fanOutWebhookEvents, { events: [published] });
    const first = await reads.webhookDeliveries({ subscriptionId: subscription.subscriptionId, limit: 2 });
    expect(first.items.map((item) => item.eventId)).toEqual([later[1]!.eventId, later[0]!.eventId]);
    expect(first.nextCursor).not.toBeNull();
    const rest = await reads.webhookDeliveries({ subscriptionId: subscription.subscriptionId, limit: 2, cursor: first.nextCursor! });
    expect(rest).toEqual({ items: [expect.objectContaining({ deliveryId, status: 'FAILED', attempts: [] })], nextCursor: null });
  });
});

describe('the pending-deliveries gauges', () => {
  it('count PENDING deliveries and the oldest one\'s age; a delivery given up no longer counts', async () => {
    // Other suites share the table: a registry per scrape (the gauges answer a scrape within a second
    // of the last from its sample), and bounds rather than exact counts.
    const scrape = async () => {
      const registry = new Registry();
      registerWebhookBacklogGauges(registry, db);
      const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
      return { count: await value('orderflow_webhook_deliveries_pending'), oldest: await value('orderflow_webhook_deliveries_pending_oldest_seconds') };
    };
    const twoDays = 2 * 24 * 3600;
    const { deliveryId } = await subscribed(await receiver());
    await db.updateTable('webhook_deliveries').set({ created_at: sql<Date>`now() - interval '2 days'` }).where('delivery_id', '=', deliveryId).execute();
    const pending = await scrape();
    expect(pending.count).toBeGreaterThanOrEqual(1);
    expect(pending.oldest).toBeGreaterThanOrEqual(twoDays);
    await run(activities().giveUpWebhookDelivery, { deliveryId, reason: 'no successful attempt within 24h' });
    expect((await scrape()).oldest).toBeLessThan(twoDays);
  });
});
