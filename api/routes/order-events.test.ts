import { describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../activities/order/timeline.contract.js';
import { fastApp } from '../../test/support/fast-app.js';
import { order, orderEvent } from '../../test/support/memory-reads.js';

// GET /orders/{orderId}/events through the real HTTP app, over the in-memory read port: who may
// read an order's timeline, what an event is answered as, and its pages.
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const OTHER_ORDER_ID = '1c8f7a4e-6b54-4d4f-8e68-7b1d2c3e4f50';
const SHIPMENT_ID = '2d9a8b5f-7c65-4e50-9f79-8c2e3d4f5061';

/** Alice's order, placed, confirmed and shipped, and bob's with an event of its own. */
async function seededApp() {
  const app = fastApp();
  app.store.orders.push(order(ORDER_ID, 'alice'), order(OTHER_ORDER_ID, 'bob'));
  const events = [
    orderEvent(ORDER_ID, { actor: { kind: 'customer', id: 'alice' } }),
    orderEvent(OTHER_ORDER_ID, { actor: { kind: 'customer', id: 'bob' } }),
    orderEvent(ORDER_ID, { type: 'order.confirmed', actor: SYSTEM_ACTOR, status: 'CONFIRMED', details: { totalCents: 1_000, currency: 'EUR' } }),
    orderEvent(ORDER_ID, {
      type: 'order.shipped',
      actor: { kind: 'staff', id: 'ops' },
      status: 'SHIPPED',
      details: { shipmentId: SHIPMENT_ID, lines: [{ sku: 'LAMP-1', quantity: 1 }], carrier: 'DHL', trackingNumber: 'JD0001' },
    }),
    orderEvent(ORDER_ID, { type: 'payment.captured', actor: { kind: 'staff', id: 'ops' }, status: 'SHIPPED', details: { amountCents: 1_000, currency: 'EUR' } }),
  ];
  app.store.events.push(...events);
  const tokens = { alice: await app.token('alice', ['customer']), bob: await app.token('bob', ['customer']), operator: await app.token('ops', ['operator']), admin: await app.token('root', ['admin']) };
  return Object.assign(app, { events, tokens });
}

/** An event as the API answers it to staff: the stored event less its order (the path's). */
const answered = <E extends { orderId: string }>({ orderId: _orderId, ...event }: E) => event;

/** As a customer sees it: staff acted, not which member of staff. */
const seenByCustomer = <E extends { orderId: string; actor: { kind: string; id: string } }>(event: E) => answered(event.actor.kind === 'staff' ? { ...event, actor: { kind: 'staff', id: 'staff' } } : event);

describe('GET /orders/{orderId}/events', () => {
  it("answers the order's own events, oldest first, each with its actor (staff unnamed to the customer), status and details", async () => {
    const app = await seededApp();
    const response = await app.request('GET', `/orders/${ORDER_ID}/events`, { token: app.tokens.alice });
    expect(response.status, response.text).toBe(200);
    const own = app.events.filter((event) => event.orderId === ORDER_ID);
    expect(response.body).toEqual({ items: own.map(seenByCustomer), nextCursor: null });
    expect(response.body.items.map((event: { type: string }) => event.type)).toEqual(['order.placed', 'order.confirmed', 'order.shipped', 'payment.captured']);
  });

  it('answers operators and admins any order; another customer gets a 404, as for the order itself', async () => {
    const app = await seededApp();
    const own = app.events.filter((event) => event.orderId === ORDER_ID);
    for (const token of [app.tokens.operator, app.tokens.admin]) {
      expect((await app.request('GET', `/orders/${ORDER_ID}/events`, { token })).body.items).toEqual(own.map(answered));
    }
    const stranger = await app.request('GET', `/orders/${ORDER_ID}/events`, { token: app.tokens.bob });
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('NOT_FOUND');
    expect((await app.request('GET', `/orders/${ORDER_ID}`, { token: app.tokens.bob })).status).toBe(404);
    expect((await app.request('GET', `/orders/${ORDER_ID}/events`)).status).toBe(401);
  });

  it('pages with ?limit= and the cursor it hands out', async () => {
    const app = await seededApp();
    const first = await app.request('GET', `/orders/${ORDER_ID}/events?limit=3`, { token: app.tokens.alice });
    expect(first.body.items.map((event: { type: string }) => event.type)).toEqual(['order.placed', 'order.confirmed', 'order.shipped']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await app.request('GET', `/orders/${ORDER_ID}/events?limit=3&cursor=${first.body.nextCursor}`, { token: app.tokens.alice });
    expect(second.body).toEqual({ items: [seenByCustomer(app.events[4]!)], nextCursor: null });
  });

  it('refuses an order ID that is not a UUID, a limit out of range and a cursor it did not hand out (400); an unknown order is a 404', async () => {
    const app = await seededApp();
    const token = app.tokens.operator;
    for (const path of ['/orders/not-a-uuid/events', `/orders/${ORDER_ID}/events?limit=0`, `/orders/${ORDER_ID}/events?limit=101`, `/orders/${ORDER_ID}/events?cursor=bm90LWEtY3Vyc29y`]) {
      const response = await app.request('GET', path, { token });
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await app.request('GET', '/orders/3e0b9c6a-8d76-4f61-a08a-9d3f4e5a6172/events', { token })).status).toBe(404);
  });

  it('answers an order with no events yet with an empty page', async () => {
    const app = await seededApp();
    app.store.events.length = 0;
    expect((await app.request('GET', `/orders/${ORDER_ID}/events`, { token: app.tokens.alice })).body).toEqual({ items: [], nextCursor: null });
  });
});
