import { WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { OrderView } from '../../activities/order/contract.js';
import { fastApp, limitAfter, type FastAppOptions } from '../../test/support/fast-app.js';
import { recordFulfilment, STEP_TIME as TIME } from '../../test/support/fulfilment-workflow.js';
import { order, payment, product, stockLevel } from '../../test/support/memory-reads.js';
import { fulfilmentIdFor } from '../order-workflows.js';

// Shipments, deliveries, returns and receipts through the real HTTP app: what each sends to the
// order's workflow (which Update, with which ID and arguments) and what it answers (the order read
// back). The fake workflow (test/support/fulfilment-workflow.ts) records each step once per ID, as the real one does.
const SKU = 'LAMP-1';
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An app with alice's order of two lamps, and a workflow that records each step once, whatever is repeated. */
async function seededApp(fields: Partial<OrderView> = {}, options: FastAppOptions = {}) {
  const app = fastApp(options);
  app.store.products.set(SKU, product(SKU));
  app.store.stock.set(SKU, stockLevel(SKU, 10, 2));
  app.store.orders.push(order(ORDER_ID, 'alice', { lines: [{ sku: SKU, name: 'Lamp', quantity: 2, unitPriceCents: 1_000, lineTotalCents: 2_000 }], totalCents: 2_000, ...fields }));
  recordFulfilment(app);
  return Object.assign(app, { operator: await app.token('ops', ['operator']), customer: await app.token('alice', ['customer']) });
}

type App = Awaited<ReturnType<typeof seededApp>>;
const ship = (app: App, body: object = { carrier: 'DHL', trackingNumber: 'JD0001' }, key = 'ship-1') =>
  app.request('POST', `/orders/${ORDER_ID}/shipments`, { token: app.operator, body, headers: { 'idempotency-key': key } });
const askReturn = (app: App, body: object = { lines: [{ sku: SKU, quantity: 1 }], reason: '  too small  ' }, headers: Record<string, string> = {}) =>
  app.request('POST', `/orders/${ORDER_ID}/returns`, { token: app.customer, body, headers });

describe('POST /orders/{orderId}/shipments', () => {
  it('sends shipOrder under an Update ID made from the Idempotency-Key, and answers 201 with the order read back', async () => {
    const app = await seededApp();
    const response = await ship(app);
    expect(response.status, response.text).toBe(201);
    expect(response.headers.get('location')).toBe(`/orders/${ORDER_ID}`);
    const shipmentId = fulfilmentIdFor('shipment', ORDER_ID, 'ship-1');
    expect(shipmentId).toMatch(UUID);
    // No lines: every unshipped unit, which is the workflow's to work out.
    expect(app.temporal.updates).toEqual([
      { workflowId: `order-${ORDER_ID}`, update: 'shipOrder', updateId: `ship-${shipmentId}`, args: [{ shipmentId, carrier: 'DHL', trackingNumber: 'JD0001', requestedBy: 'ops' }] },
    ]);
    expect(response.body).toMatchObject({ orderId: ORDER_ID, shipments: [{ shipmentId, lines: [{ sku: SKU, quantity: 2 }], carrier: 'DHL', deliveredAt: null }], returns: [], payment: null });
  });

  it('a repeated request sends the same Update ID and gets the same shipment; another key is another shipment', async () => {
    const app = await seededApp();
    const body = { lines: [{ sku: SKU, quantity: 1 }], carrier: ' DHL ', trackingNumber: 'JD0001' };
    const [first, again] = [await ship(app, body), await ship(app, body)];
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    const [a, b] = app.temporal.updates;
    expect(b).toEqual(a);
    expect(a!.args).toEqual([expect.objectContaining({ lines: [{ sku: SKU, quantity: 1 }], carrier: 'DHL' })]);
    expect((await ship(app, body, 'ship-2')).body.shipments).toHaveLength(2);
    expect(new Set(app.temporal.updates.map((update) => update.updateId)).size).toBe(2);
  });

  it('the same key with another carrier, tracking number or lines is a 409 (the workflow answered with the first shipment)', async () => {
    const app = await seededApp();
    expect((await ship(app, { lines: [{ sku: SKU, quantity: 1 }], carrier: 'DHL', trackingNumber: 'JD0001' })).status).toBe(201);
    for (const other of [
      { lines: [{ sku: SKU, quantity: 1 }], carrier: 'UPS', trackingNumber: 'JD0001' },
      { lines: [{ sku: SKU, quantity: 1 }], carrier: 'DHL', trackingNumber: 'JD0002' },
      { lines: [{ sku: SKU, quantity: 2 }], carrier: 'DHL', trackingNumber: 'JD0001' },
    ]) {
      const response = await ship(app, other);
      expect(response.status, response.text).toBe(409);
      expect(response.body.error).toEqual({ code: 'CONFLICT', message: 'Idempotency-Key was already used with a different request body', details: [] });
    }
    expect(app.store.orders[0]!.shipments).toHaveLength(1);
  });

  it('is derived from (order, key): the same key on another order is another shipment', () => {
    const other = '1c8a7b4f-6b54-4d4f-8e68-7b1d2c3e4f50';
    expect(fulfilmentIdFor('shipment', ORDER_ID, 'k')).not.toBe(fulfilmentIdFor('shipment', other, 'k'));
    expect(fulfilmentIdFor('shipment', ORDER_ID, 'k')).not.toBe(fulfilmentIdFor('return', ORDER_ID, 'k'));
    expect(fulfilmentIdFor('shipment', ORDER_ID, 'k')).toBe(fulfilmentIdFor('shipment', ORDER_ID, 'k'));
  });
});

describe('POST /orders/{orderId}/shipments/{shipmentId}/delivery', () => {
  it('sends deliverShipment under the shipment’s delivery Update ID, and answers 200 with the order', async () => {
    const app = await seededApp();
    const { shipmentId } = (await ship(app)).body.shipments[0];
    const deliver = () => app.request('POST', `/orders/${ORDER_ID}/shipments/${shipmentId}/delivery`, { token: app.operator });
    const [first, again] = [await deliver(), await deliver()];
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(first.body.shipments[0]).toMatchObject({ shipmentId, deliveredAt: TIME });
    const deliveries = app.temporal.updates.filter((update) => update.update === 'deliverShipment');
    expect(deliveries).toEqual([0, 1].map(() => ({ workflowId: `order-${ORDER_ID}`, update: 'deliverShipment', updateId: `deliver-${shipmentId}`, args: [{ shipmentId, requestedBy: 'ops' }] })));
  });
});

describe('POST /orders/{orderId}/returns', () => {
  it('sends requestReturn with the trimmed reason, and answers 201 with the order and its return', async () => {
    const app = await seededApp();
    const response = await askReturn(app, undefined, { 'idempotency-key': 'return-1' });
    expect(response.status, response.text).toBe(201);
    expect(response.headers.get('location')).toBe(`/orders/${ORDER_ID}`);
    const returnId = fulfilmentIdFor('return', ORDER_ID, 'return-1');
    expect(app.temporal.updates).toEqual([
      { workflowId: `order-${ORDER_ID}`, update: 'requestReturn', updateId: `return-${returnId}`, args: [{ returnId, lines: [{ sku: SKU, quantity: 1 }], reason: 'too small', requestedBy: 'alice' }] },
    ]);
    expect(response.body.returns).toEqual([{ returnId, lines: [{ sku: SKU, quantity: 1 }], reason: 'too small', requestedAt: TIME, receivedAt: null, restocked: null, refundCents: null }]);
  });

  it('with a key, a retry is the same return (same Update ID); without one, each request is a new return', async () => {
    const app = await seededApp();
    const key = { 'idempotency-key': 'return-1' };
    await askReturn(app, undefined, key);
    await askReturn(app, undefined, key);
    await askReturn(app);
    await askReturn(app);
    const ids = app.temporal.updates.map((update) => update.updateId);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
    expect(app.store.orders[0]!.returns).toHaveLength(3);
  });

  it('the same key with another reason or other lines is a 409', async () => {
    const app = await seededApp();
    const key = { 'idempotency-key': 'return-1' };
    expect((await askReturn(app, { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' }, key)).status).toBe(201);
    expect((await askReturn(app, { lines: [{ sku: SKU, quantity: 1 }], reason: 'too big' }, key)).status).toBe(409);
    expect((await askReturn(app, { lines: [{ sku: SKU, quantity: 2 }], reason: 'too small' }, key)).status).toBe(409);
  });

  it("counts against the customer's order limit; a retry of a recorded return does not, and a refused one sends nothing", async () => {
    const orders = limitAfter(1);
    const app = await seededApp({}, { rateLimits: { orders } });
    const key = { 'idempotency-key': 'return-1' };
    expect((await askReturn(app, undefined, key)).status).toBe(201);
    expect((await askReturn(app, undefined, key)).status).toBe(201);
    const limited = await askReturn(app);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(orders.calls).toEqual(['alice', 'alice']);
    expect(app.temporal.updates).toHaveLength(2);
  });
});

describe('POST /orders/{orderId}/returns/{returnId}/receipt', () => {
  it('sends receiveReturn under the return’s receipt Update ID, and answers 200 with the refund', async () => {
    const app = await seededApp();
    const { returnId } = (await askReturn(app)).body.returns[0];
    const receive = (restock: boolean) => app.request('POST', `/orders/${ORDER_ID}/returns/${returnId}/receipt`, { token: app.operator, body: { restock } });
    const response = await receive(false);
    expect(response.status, response.text).toBe(200);
    expect(response.body.returns[0]).toMatchObject({ returnId, receivedAt: TIME, restocked: false, refundCents: 1_000 });
    expect(app.temporal.updates.at(-1)).toEqual({ workflowId: `order-${ORDER_ID}`, update: 'receiveReturn', updateId: `receive-${returnId}`, args: [{ returnId, restock: false, requestedBy: 'ops' }] });
    expect((await receive(false)).status).toBe(200);
    // Answered with the first receipt: one that asked for a restock is told it did not happen.
    const other = await receive(true);
    expect(other.status).toBe(409);
    expect(other.body.error.message).toBe(`Return ${returnId} was already received with restock: false`);
  });
});

describe('the order as every order operation answers it', () => {
  it('carries its payment (amounts and status only), or null without one', async () => {
    const app = await seededApp();
    const get = async () => (await app.request('GET', `/orders/${ORDER_ID}`, { token: app.customer })).body;
    expect((await get()).payment).toBeNull();
    app.store.payments.set(ORDER_ID, payment(ORDER_ID, { status: 'CAPTURED', amountCents: 2_000, capturedCents: 2_000, declineCode: null }));
    expect((await get()).payment).toEqual({ status: 'CAPTURED', amountCents: 2_000, currency: 'EUR', capturedCents: 2_000, refundedCents: 0 });
    expect((await ship(app)).body.payment).toEqual({ status: 'CAPTURED', amountCents: 2_000, currency: 'EUR', capturedCents: 2_000, refundedCents: 0 });
  });
});

describe('POST /orders: payment, return and fulfilment windows', () => {
  it('passes the payment-method token and the return and fulfilment windows into the workflow input', async () => {
    const app = await seededApp();
    const response = await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }], payment: { method: 'pm_card_visa' } } });
    expect(response.status, response.text).toBe(202);
    expect(app.temporal.started[0]!.args).toEqual([expect.objectContaining({ payment: { method: 'pm_card_visa' }, cancellationWindow: '30m', returnWindow: '30d', fulfilmentWindow: '14d' })]);
  });

  it('without a payment, the input carries none (nothing will be charged)', async () => {
    const app = await seededApp();
    await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] } });
    expect(app.temporal.started[0]!.args[0]).not.toHaveProperty('payment');
  });
});

describe('orders that take no more steps', () => {
  it.each(['REJECTED', 'CANCELLED'] as const)('a %s order: every step is a 409 that asks its workflow nothing', async (status) => {
    const app = await seededApp({ status });
    const steps = [
      await ship(app),
      await app.request('POST', `/orders/${ORDER_ID}/shipments/${fulfilmentIdFor('shipment', ORDER_ID, 'k')}/delivery`, { token: app.operator }),
      await askReturn(app),
      await app.request('POST', `/orders/${ORDER_ID}/returns/${fulfilmentIdFor('return', ORDER_ID, 'k')}/receipt`, { token: app.operator, body: { restock: true } }),
    ];
    for (const response of steps) {
      expect(response.status, response.text).toBe(409);
      expect(response.body.error.message).toBe(`Order ${ORDER_ID} is ${status}: it takes no shipments, deliveries or returns`);
    }
    expect(app.temporal.untouched).toBe(true);
  });

  it('once the workflow has completed, a retry of a step it recorded is answered from the record; a new step is a 409', async () => {
    const app = await seededApp();
    const { returnId } = (await askReturn(app)).body.returns[0];
    const receive = (restock: boolean) => app.request('POST', `/orders/${ORDER_ID}/returns/${returnId}/receipt`, { token: app.operator, body: { restock } });
    expect((await receive(true)).status).toBe(200);
    // The last return received: the workflow completes, and answers no more Updates.
    app.temporal.updateAnswers(new WorkflowNotFoundError('workflow not found', `order-${ORDER_ID}`, undefined));
    const retried = await receive(true);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.returns[0]).toMatchObject({ returnId, restocked: true });
    expect((await receive(false)).status).toBe(409);
    const another = await askReturn(app);
    expect(another.status).toBe(409);
    expect(another.body.error.message).toMatch(`Order ${ORDER_ID} is closed`);
    // Each retry still sent its Update, under the same ID: only the workflow's answer was missing.
    expect(app.temporal.updates.filter((update) => update.update === 'receiveReturn').map((update) => update.updateId)).toEqual([0, 1, 2].map(() => `receive-${returnId}`));
  });
});
