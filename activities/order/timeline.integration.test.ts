import { randomUUID } from 'node:crypto';
import { CancelledFailure, type Logger as SdkLogger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SCHEMAS, serviceDatabaseUrl } from '../../common/config.js';
import { createDatabase } from '../../common/database.js';
import { silentLog } from '../../test/support/activity.js';
import { ownDatabase } from '../../test/support/own-database.js';
import { createOrderActivities } from './activities.js';
import { registerOrderEventGauges } from './metrics.js';
import type { NewOrder, OrderActivities } from './contract.js';
import { createOrderReads } from './reads.js';
import type { OrderDatabase } from './schema.js';
import { SYSTEM_ACTOR, type Actor, type OrderEvent } from './timeline.contract.js';

// The order timeline on a real PostgreSQL: each change writes its events in its own statement, a
// replay writes none; the outbox the webhook relay polls. The outbox is global (every order's
// events), so this file has a database of its own: no other suite's events reach it.
const open = (databaseUrl: string, access: 'owner' | 'reader') =>
  createDatabase<OrderDatabase>({ url: serviceDatabaseUrl('order', access, databaseUrl, {}), schema: SERVICE_SCHEMAS.order, poolMax: 10 });

let database: Awaited<ReturnType<typeof ownDatabase>>;
let db: Kysely<OrderDatabase>;
/** The API's role: it reads the timeline through the schema's default grants. */
let reader: Kysely<OrderDatabase>;
let activities: OrderActivities;

beforeAll(async () => {
  database = await ownDatabase('timeline');
  db = open(database.databaseUrl, 'owner');
  reader = open(database.databaseUrl, 'reader');
  activities = createOrderActivities({ db, log: silentLog });
});
afterAll(async () => {
  await Promise.all([db?.destroy(), reader?.destroy()]);
  await database?.drop();
});

const quiet = () => {};
const quietSdkLogger: SdkLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };
const activityEnvironment = () => new MockActivityEnvironment(undefined, { logger: quietSdkLogger });

/** Runs an activity as a worker would (its Context), in an environment the test can watch and cancel. */
function inActivity<R>(fn: () => Promise<R>, environment = activityEnvironment()): Promise<R> {
  return environment.run(fn);
}
const act = {
  recordOrder: (order: NewOrder) => inActivity(() => activities.recordOrder(order)),
  confirm: (orderId: string) => inActivity(() => activities.confirmOrder({ orderId, priced: PRICED })),
} as const;

const PRICED = {
  lines: [
    { sku: 'A-1', name: 'A', quantity: 3, unitPriceCents: 100, lineTotalCents: 300 },
    { sku: 'B-2', name: 'B', quantity: 1, unitPriceCents: 50, lineTotalCents: 50 },
  ],
  totalCents: 350,
  currency: 'EUR',
};
const STAFF: Actor = { kind: 'staff', id: 'olivia' };

const newOrder = (): NewOrder => {
  const customerId = `c-${randomUUID().slice(0, 8)}`;
  return { orderId: randomUUID(), customerId, customerEmail: 'c@example.com', lines: [{ sku: 'A-1', quantity: 3 }, { sku: 'B-2', quantity: 1 }] };
};

async function confirmedOrder() {
  const order = newOrder();
  await act.recordOrder(order);
  await act.confirm(order.orderId);
  return order;
}

/** The order's whole timeline, read as the API reads it (the reader role, through the read port). */
async function timeline(orderId: string): Promise<OrderEvent[]> {
  const reads = createOrderReads(reader, {} as Client);
  return (await reads.events(orderId, { limit: 100 })).items;
}

/** What an event is expected to be: its ID and time are the statement's. */
const event = (orderId: string, type: string, actor: Actor, status: string, details: object) => ({ eventId: expect.any(String), orderId, type, at: expect.any(String), actor, status, details });

describe('every change writes its event, once', () => {
  it("an order's life: placed by its customer, confirmed by the system, shipped (with the capture), delivered, a return asked and received (with the refund); replays write nothing", async () => {
    const order = newOrder();
    const { orderId } = order;
    const customer: Actor = { kind: 'customer', id: order.customerId };
    const [s1, s2, r1] = [randomUUID(), randomUUID(), randomUUID()];

    await act.recordOrder(order);
    await act.recordOrder(order);
    await act.confirm(orderId);
    await act.confirm(orderId);
    const ship = (shipmentId: string, lines: Array<{ sku: string; quantity: number }>, status: 'PARTIALLY_SHIPPED' | 'SHIPPED', capturedCents?: number) =>
      inActivity(() =>
        activities.recordShipment({ orderId, shipment: { shipmentId, lines, carrier: 'DHL', trackingNumber: `JD-${shipmentId.slice(0, 4)}` }, status, actor: STAFF, ...(capturedCents !== undefined && { capturedCents }) }),
      );
    const { shippedAt } = await ship(s1, [{ sku: 'A-1', quantity: 3 }], 'PARTIALLY_SHIPPED', 350);
    await ship(s1, [{ sku: 'A-1', quantity: 3 }], 'PARTIALLY_SHIPPED', 350);
    await ship(s2, [{ sku: 'B-2', quantity: 1 }], 'SHIPPED');
    for (const [shipmentId, status] of [[s1, 'SHIPPED'], [s2, 'DELIVERED'], [s2, 'DELIVERED']] as const) {
      await inActivity(() => activities.recordDelivery({ orderId, shipmentId, status, actor: STAFF }));
    }
    const asked = { orderId, returnId: r1, lines: [{ sku: 'A-1', quantity: 1 }], reason: 'too small', actor: customer };
    await inActivity(() => activities.recordReturn(asked));
    await inActivity(() => activities.recordReturn(asked));
    const receipt = { orderId, returnId: r1, restocked: true, refundCents: 100, status: 'PARTIALLY_RETURNED' as const, actor: STAFF };
    await inActivity(() => activities.recordReturnReceipt(receipt));
    await inActivity(() => activities.recordReturnReceipt(receipt));

    const events = await timeline(orderId);
    expect(events).toEqual([
      event(orderId, 'order.placed', customer, 'PENDING', { lines: order.lines }),
      event(orderId, 'order.confirmed', SYSTEM_ACTOR, 'CONFIRMED', { totalCents: 350, currency: 'EUR' }),
      event(orderId, 'order.shipped', STAFF, 'PARTIALLY_SHIPPED', { shipmentId: s1, lines: [{ sku: 'A-1', quantity: 3 }], carrier: 'DHL', trackingNumber: `JD-${s1.slice(0, 4)}` }),
      event(orderId, 'payment.captured', STAFF, 'PARTIALLY_SHIPPED', { amountCents: 350, currency: 'EUR' }),
      event(orderId, 'order.shipped', STAFF, 'SHIPPED', { shipmentId: s2, lines: [{ sku: 'B-2', quantity: 1 }], carrier: 'DHL', trackingNumber: `JD-${s2.slice(0, 4)}` }),
      event(orderId, 'order.delivered', STAFF, 'SHIPPED', { shipmentId: s1 }),
      event(orderId, 'order.delivered', STAFF, 'DELIVERED', { shipmentId: s2 }),
      // Asking for a return leaves the order's status as it was.
      event(orderId, 'order.return_requested', customer, 'DELIVERED', { returnId: r1, lines: [{ sku: 'A-1', quantity: 1 }], reason: 'too small' }),
      event(orderId, 'order.returned', STAFF, 'PARTIALLY_RETURNED', { returnId: r1, restocked: true, refundCents: 100 }),
      event(orderId, 'payment.refunded', STAFF, 'PARTIALLY_RETURNED', { refundId: r1, amountCents: 100, currency: 'EUR' }),
    ]);
    // Written by the change's own statement: the same transaction time as the record it made.
    expect(events[2]!.at).toBe(shippedAt);
    expect(new Set(events.map((one) => one.eventId)).size).toBe(events.length);
  });

  it('a receipt that refunds nothing writes no payment.refunded', async () => {
    const { orderId } = await confirmedOrder();
    const shipmentId = randomUUID();
    const returnId = randomUUID();
    await inActivity(() => activities.recordShipment({ orderId, shipment: { shipmentId, lines: [{ sku: 'B-2', quantity: 1 }], carrier: 'DHL', trackingNumber: 'X' }, status: 'PARTIALLY_SHIPPED', actor: STAFF }));
    await inActivity(() => activities.recordReturn({ orderId, returnId, lines: [{ sku: 'B-2', quantity: 1 }], reason: '', actor: { kind: 'customer', id: 'c' } }));
    await inActivity(() => activities.recordReturnReceipt({ orderId, returnId, restocked: false, refundCents: 0, status: 'PARTIALLY_SHIPPED', actor: STAFF }));
    expect((await timeline(orderId)).map((one) => one.type)).toEqual(['order.placed', 'order.confirmed', 'order.shipped', 'order.return_requested', 'order.returned']);
  });

  it('a rejection is the system\'s; a replay writes nothing, nor does a change refused', async () => {
    const order = newOrder();
    await act.recordOrder(order);
    await inActivity(() => activities.rejectOrder({ orderId: order.orderId, reason: 'OUT_OF_STOCK' }));
    await inActivity(() => activities.rejectOrder({ orderId: order.orderId, reason: 'OUT_OF_STOCK' }));
    await expect(inActivity(() => activities.cancelOrder({ orderId: order.orderId, reason: 'too late', actor: STAFF }))).rejects.toMatchObject({ type: 'INVALID_ORDER_STATE' });
    expect((await timeline(order.orderId)).slice(1)).toEqual([event(order.orderId, 'order.rejected', SYSTEM_ACTOR, 'REJECTED', { reason: 'OUT_OF_STOCK' })]);
  });

  it('a cancel names who cancelled; a replay writes nothing, nor does a shipment refused after it', async () => {
    const { orderId } = await confirmedOrder();
    const system: Actor = { kind: 'system', id: 'payment' };
    await inActivity(() => activities.cancelOrder({ orderId, reason: 'the payment authorisation lapses', actor: system }));
    await inActivity(() => activities.cancelOrder({ orderId, reason: 'the payment authorisation lapses', actor: system }));
    const shipment = { shipmentId: randomUUID(), lines: [{ sku: 'A-1', quantity: 1 }], carrier: 'DHL', trackingNumber: 'X' };
    await expect(inActivity(() => activities.recordShipment({ orderId, shipment, status: 'SHIPPED', actor: STAFF, capturedCents: 350 }))).rejects.toMatchObject({ type: 'INVALID_ORDER_STATE' });
    expect((await timeline(orderId)).slice(2)).toEqual([event(orderId, 'order.cancelled', system, 'CANCELLED', { reason: 'the payment authorisation lapses' })]);
  });

  it('a change asked for by workflow code from before the timeline (no actor) is recorded, with the actor unrecorded', async () => {
    const { orderId } = await confirmedOrder();
    const before = { orderId, reason: 'cancelled by alice' } as Parameters<typeof activities.cancelOrder>[0];
    await inActivity(() => activities.cancelOrder(before));
    expect((await timeline(orderId)).slice(2)).toEqual([event(orderId, 'order.cancelled', { kind: 'system', id: 'unrecorded' }, 'CANCELLED', { reason: 'cancelled by alice' })]);
  });

  it('units that never ship: one order.unshipped_cancelled and its refund (refund ID unshipped), however many attempts race', async () => {
    const { orderId } = await confirmedOrder();
    await inActivity(() =>
      activities.recordShipment({ orderId, shipment: { shipmentId: randomUUID(), lines: [{ sku: 'A-1', quantity: 3 }], carrier: 'DHL', trackingNumber: 'X' }, status: 'PARTIALLY_SHIPPED', actor: STAFF, capturedCents: 350 }),
    );
    const cancelled = { orderId, lines: [{ sku: 'B-2', quantity: 1 }], refundCents: 50, status: 'SHIPPED' as const };
    const results = await Promise.all(Array.from({ length: 4 }, () => inActivity(() => activities.recordUnshippedCancelled(cancelled))));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect((await timeline(orderId)).slice(4)).toEqual([
      event(orderId, 'order.unshipped_cancelled', SYSTEM_ACTOR, 'SHIPPED', { lines: [{ sku: 'B-2', quantity: 1 }], refundCents: 50 }),
      event(orderId, 'payment.refunded', SYSTEM_ACTOR, 'SHIPPED', { refundId: 'unshipped', amountCents: 50, currency: 'EUR' }),
    ]);
  });

  it('pages an order\'s timeline oldest first, with a cursor', async () => {
    const { orderId } = await confirmedOrder();
    await inActivity(() => activities.cancelOrder({ orderId, reason: 'changed my mind', actor: STAFF }));
    const reads = createOrderReads(reader, {} as Client);
    const first = await reads.events(orderId, { limit: 2 });
    expect(first.items.map((one) => one.type)).toEqual(['order.placed', 'order.confirmed']);
    const second = await reads.events(orderId, { limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ type: 'order.cancelled' })], nextCursor: null });
    expect(await reads.events(randomUUID(), { limit: 2 })).toEqual({ items: [], nextCursor: null });
  });
});

describe('the outbox', () => {
  /** Publishes everything unpublished, so that a test starts from an empty outbox. */
  async function drain() {
    for (let batch = await inActivity(() => activities.unpublishedEvents({ limit: 100, waitMs: 0 })); batch.length > 0; batch = await inActivity(() => activities.unpublishedEvents({ limit: 100, waitMs: 0 }))) {
      await inActivity(() => activities.markEventsPublished({ eventIds: batch.map((one) => one.eventId) }));
    }
  }

  it('answers the oldest unpublished events first, each with its order\'s customer, up to the limit', async () => {
    await drain();
    const first = await confirmedOrder();
    const second = newOrder();
    await act.recordOrder(second);
    const events = await inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs: 0 }));
    expect(events.map(({ orderId, type, customerId }) => ({ orderId, type, customerId }))).toEqual([
      { orderId: first.orderId, type: 'order.placed', customerId: first.customerId },
      { orderId: first.orderId, type: 'order.confirmed', customerId: first.customerId },
      { orderId: second.orderId, type: 'order.placed', customerId: second.customerId },
    ]);
    expect(events[0]).toEqual({ ...(await timeline(first.orderId))[0], customerId: first.customerId });
    expect(await inActivity(() => activities.unpublishedEvents({ limit: 2, waitMs: 0 }))).toEqual(events.slice(0, 2));
  });

  it('waits, heartbeating, and answers as soon as an event is written', async () => {
    await drain();
    const environment = activityEnvironment();
    const heartbeat = new Promise((resolve) => environment.once('heartbeat', resolve));
    const waitMs = 25_000;
    const startedAt = Date.now();
    const waiting = inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs }), environment);
    // It found the outbox empty and is waiting; now an event is written.
    await heartbeat;
    const order = newOrder();
    await act.recordOrder(order);
    expect((await waiting).map(({ orderId, type }) => ({ orderId, type }))).toEqual([{ orderId: order.orderId, type: 'order.placed' }]);
    expect(Date.now() - startedAt).toBeLessThan(waitMs / 2);
  });

  it('answers nothing once waitMs has passed with nothing written, and stops waiting when cancelled', async () => {
    await drain();
    expect(await inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs: 300 }))).toEqual([]);

    const environment = activityEnvironment();
    const heartbeat = new Promise((resolve) => environment.once('heartbeat', resolve));
    const waiting = inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs: 25_000 }), environment);
    await heartbeat;
    environment.cancel();
    await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
  });

  it('markEventsPublished takes events out of the outbox, once; the timeline keeps them', async () => {
    await drain();
    const { orderId } = await confirmedOrder();
    const events = await inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs: 0 }));
    expect(events).toHaveLength(2);
    const eventIds = events.map((one) => one.eventId);
    expect(await inActivity(() => activities.markEventsPublished({ eventIds }))).toEqual({ marked: 2 });
    expect(await inActivity(() => activities.unpublishedEvents({ limit: 10, waitMs: 0 }))).toEqual([]);
    expect(await inActivity(() => activities.markEventsPublished({ eventIds }))).toEqual({ marked: 0 });
    expect((await timeline(orderId)).map((one) => one.eventId)).toEqual(eventIds);
  });

  it('the outbox gauges count the unpublished events and the oldest one\'s age, and drop to 0 once published', async () => {
    // A registry per scrape: the gauges answer a scrape within a second of the last from its sample.
    const scrape = async () => {
      const registry = new Registry();
      registerOrderEventGauges(registry, db);
      const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
      return { count: await value('orderflow_order_events_unpublished'), oldest: await value('orderflow_order_events_unpublished_oldest_seconds') };
    };
    await drain();
    expect(await scrape()).toEqual({ count: 0, oldest: 0 });
    await confirmedOrder();
    await db.updateTable('order_events').set({ at: sql<Date>`now() - interval '90 seconds'` }).where('published_at', 'is', null).execute();
    const backlog = await scrape();
    expect(backlog.count).toBe(2);
    expect(backlog.oldest).toBeGreaterThanOrEqual(90);
    expect(backlog.oldest).toBeLessThan(120);
    await drain();
    expect(await scrape()).toEqual({ count: 0, oldest: 0 });
  });
});
