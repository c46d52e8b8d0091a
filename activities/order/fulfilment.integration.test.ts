import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceDatabases } from '../../test/support/databases.js';
import { cancelOrder, confirmOrder, findOrder, insertOrder, recordDelivery, recordReturn, recordReturnReceipt, recordShipment, recordUnshippedCancelled } from './repository.js';

// The order service's fulfilment records on a real PostgreSQL: each once per shipment or return
// ID, replays and racing attempts included, each with the status the workflow passed.
const dbs = serviceDatabases();
const db = dbs.order;
afterAll(() => dbs.destroy());

async function confirmedOrder() {
  const orderId = randomUUID();
  await insertOrder(db, { orderId, customerId: 'c-1', customerEmail: 'c@example.com', lines: [{ sku: 'A-1', quantity: 3 }, { sku: 'B-2', quantity: 1 }] });
  await confirmOrder(db, orderId, {
    lines: [
      { sku: 'A-1', name: 'A', quantity: 3, unitPriceCents: 100, lineTotalCents: 300 },
      { sku: 'B-2', name: 'B', quantity: 1, unitPriceCents: 50, lineTotalCents: 50 },
    ],
    totalCents: 350,
    currency: 'EUR',
  });
  return orderId;
}

const shipment = (lines = [{ sku: 'A-1', quantity: 2 }]) => ({ shipmentId: randomUUID(), lines, carrier: 'DHL', trackingNumber: 'JD0001' });

const STAFF = { kind: 'staff', id: 'olivia' } as const;
const CUSTOMER = { kind: 'customer', id: 'c-1' } as const;

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('shipments', () => {
  it('records a shipment with its lines and the status passed; a replay reports the first time and changes nothing', async () => {
    const orderId = await confirmedOrder();
    const first = shipment([{ sku: 'A-1', quantity: 1 }, { sku: 'B-2', quantity: 1 }, { sku: 'A-1', quantity: 1 }]);
    const recorded = await recordShipment(db, { orderId, shipment: first, status: 'PARTIALLY_SHIPPED', actor: STAFF });
    expect(recorded).toEqual({ changed: true, shippedAt: expect.any(String) });
    // A replay after the order moved on must not set its status back.
    await recordShipment(db, { orderId, shipment: shipment([{ sku: 'A-1', quantity: 1 }]), status: 'SHIPPED', actor: STAFF });
    expect(await recordShipment(db, { orderId, shipment: first, status: 'PARTIALLY_SHIPPED', actor: STAFF })).toEqual({ changed: false, shippedAt: recorded.shippedAt });

    const view = await findOrder(db, orderId);
    expect(view?.status).toBe('SHIPPED');
    expect(view?.shipments).toHaveLength(2);
    expect(view?.shipments[0]).toEqual({ ...first, shippedAt: recorded.shippedAt, deliveredAt: null });
    expect(view?.returns).toEqual([]);
  });

  it('racing attempts of one shipment record it once, and all report the same time', async () => {
    const orderId = await confirmedOrder();
    const one = shipment();
    const results = await Promise.all(Array.from({ length: 5 }, () => recordShipment(db, { orderId, shipment: one, status: 'PARTIALLY_SHIPPED', actor: STAFF })));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.shippedAt)).size).toBe(1);
    expect((await findOrder(db, orderId))?.shipments).toEqual([expect.objectContaining({ shipmentId: one.shipmentId, lines: one.lines })]);
  });

  it('refuses a shipment for an order that is not confirmed, or is missing', async () => {
    const orderId = await confirmedOrder();
    await cancelOrder(db, { orderId, reason: 'customer', actor: CUSTOMER });
    expect(await rejection(recordShipment(db, { orderId, shipment: shipment(), status: 'SHIPPED', actor: STAFF }))).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: 'CANCELLED' } });
    expect(await rejection(recordShipment(db, { orderId: randomUUID(), shipment: shipment(), status: 'SHIPPED', actor: STAFF }))).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: null } });
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'CANCELLED', shipments: [] });
  });

  it('records a delivery once, with its status; an unknown shipment is refused', async () => {
    const orderId = await confirmedOrder();
    const one = shipment([{ sku: 'A-1', quantity: 3 }, { sku: 'B-2', quantity: 1 }]);
    const { shippedAt } = await recordShipment(db, { orderId, shipment: one, status: 'SHIPPED', actor: STAFF });
    const results = await Promise.all(Array.from({ length: 3 }, () => recordDelivery(db, { orderId, shipmentId: one.shipmentId, status: 'DELIVERED', actor: STAFF })));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    const [deliveredAt] = new Set(results.map((result) => result.deliveredAt));
    expect(await recordDelivery(db, { orderId, shipmentId: one.shipmentId, status: 'DELIVERED', actor: STAFF })).toEqual({ changed: false, deliveredAt });
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'DELIVERED', shipments: [{ shipmentId: one.shipmentId, shippedAt, deliveredAt }] });

    expect(await rejection(recordDelivery(db, { orderId, shipmentId: randomUUID(), status: 'DELIVERED', actor: STAFF }))).toMatchObject({ type: 'UNKNOWN_SHIPMENT' });
  });
});

describe('returns', () => {
  async function deliveredOrder() {
    const orderId = await confirmedOrder();
    const one = shipment([{ sku: 'A-1', quantity: 3 }, { sku: 'B-2', quantity: 1 }]);
    await recordShipment(db, { orderId, shipment: one, status: 'SHIPPED', actor: STAFF });
    await recordDelivery(db, { orderId, shipmentId: one.shipmentId, status: 'DELIVERED', actor: STAFF });
    return orderId;
  }

  it('records a return asked for once, leaving the status as it was; racing attempts too', async () => {
    const orderId = await deliveredOrder();
    const asked = { orderId, returnId: randomUUID(), lines: [{ sku: 'A-1', quantity: 2 }], reason: 'too small', actor: CUSTOMER };
    const results = await Promise.all(Array.from({ length: 3 }, () => recordReturn(db, asked)));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    const [requestedAt] = new Set(results.map((result) => result.requestedAt));
    expect(await recordReturn(db, asked)).toEqual({ changed: false, requestedAt });
    expect(await findOrder(db, orderId)).toMatchObject({
      status: 'DELIVERED',
      returns: [{ returnId: asked.returnId, lines: asked.lines, reason: 'too small', requestedAt, receivedAt: null, restocked: null, refundCents: null }],
    });
  });

  it('records a receipt once with what was restocked and refunded, and the status passed; an unknown return is refused', async () => {
    const orderId = await deliveredOrder();
    const returnId = randomUUID();
    await recordReturn(db, { orderId, returnId, lines: [{ sku: 'A-1', quantity: 1 }], reason: '', actor: CUSTOMER });
    const receipt = { orderId, returnId, restocked: true, refundCents: 100, status: 'PARTIALLY_RETURNED' as const, actor: STAFF };
    const results = await Promise.all(Array.from({ length: 3 }, () => recordReturnReceipt(db, receipt)));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    const [receivedAt] = new Set(results.map((result) => result.receivedAt));
    // A replay with other values changes nothing: the first receipt is the record.
    expect(await recordReturnReceipt(db, { ...receipt, restocked: false, refundCents: 0, status: 'RETURNED' })).toEqual({ changed: false, receivedAt });
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'PARTIALLY_RETURNED', returns: [{ returnId, receivedAt, restocked: true, refundCents: 100 }] });

    expect(await rejection(recordReturnReceipt(db, { ...receipt, returnId: randomUUID() }))).toMatchObject({ type: 'UNKNOWN_RETURN' });
  });

  it('refuses a return for an order never confirmed', async () => {
    const orderId = randomUUID();
    await insertOrder(db, { orderId, customerId: 'c-1', customerEmail: 'c@example.com', lines: [{ sku: 'A-1', quantity: 1 }] });
    const asked = { orderId, returnId: randomUUID(), lines: [{ sku: 'A-1', quantity: 1 }], reason: 'changed my mind', actor: CUSTOMER };
    expect(await rejection(recordReturn(db, asked))).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: 'PENDING' } });
  });
});

describe('units that never ship', () => {
  /** A confirmed order with 2 of its 3 A-1 shipped: 1 A-1 and the B-2 left to ship. */
  async function partlyShippedOrder() {
    const orderId = await confirmedOrder();
    await recordShipment(db, { orderId, shipment: shipment([{ sku: 'A-1', quantity: 2 }]), status: 'PARTIALLY_SHIPPED', actor: STAFF });
    return orderId;
  }
  const unshipped = [{ sku: 'A-1', quantity: 1 }, { sku: 'B-2', quantity: 1 }];

  it('records the cancelled units and the status passed; a replay, even with other values, changes nothing', async () => {
    const orderId = await partlyShippedOrder();
    expect((await findOrder(db, orderId))?.cancelledLines).toEqual([]);
    expect(await recordUnshippedCancelled(db, { orderId, lines: unshipped, refundCents: 0, status: 'SHIPPED' })).toEqual({ changed: true });
    const recorded = await findOrder(db, orderId);
    expect(recorded).toMatchObject({ status: 'SHIPPED', cancelledLines: unshipped, lines: [{ sku: 'A-1', quantity: 3 }, { sku: 'B-2', quantity: 1 }] });

    // The order moves on (delivered); a replay must neither refuse nor set its status back.
    await recordDelivery(db, { orderId, shipmentId: recorded!.shipments[0]!.shipmentId, status: 'DELIVERED', actor: STAFF });
    expect(await recordUnshippedCancelled(db, { orderId, lines: unshipped, refundCents: 0, status: 'SHIPPED' })).toEqual({ changed: false });
    expect(await recordUnshippedCancelled(db, { orderId, lines: [{ sku: 'B-2', quantity: 1 }], refundCents: 0, status: 'PARTIALLY_SHIPPED' })).toEqual({ changed: false });
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'DELIVERED', cancelledLines: unshipped });
  });

  it('racing attempts record the units once', async () => {
    const orderId = await partlyShippedOrder();
    const results = await Promise.all(Array.from({ length: 5 }, () => recordUnshippedCancelled(db, { orderId, lines: unshipped, refundCents: 0, status: 'SHIPPED' })));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'SHIPPED', cancelledLines: unshipped });
  });

  it('refuses an order that is not shipping, and lines it does not have, changing nothing', async () => {
    const cancelled = await confirmedOrder();
    await cancelOrder(db, { orderId: cancelled, reason: 'customer', actor: CUSTOMER });
    expect(await rejection(recordUnshippedCancelled(db, { orderId: cancelled, lines: unshipped, refundCents: 0, status: 'SHIPPED' }))).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: 'CANCELLED' } });
    expect(await rejection(recordUnshippedCancelled(db, { orderId: randomUUID(), lines: unshipped, refundCents: 0, status: 'SHIPPED' }))).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: null } });
    expect(await findOrder(db, cancelled)).toMatchObject({ status: 'CANCELLED', cancelledLines: [] });

    const orderId = await partlyShippedOrder();
    // All or nothing: A-1 is a line of the order, C-3 is not.
    expect(await rejection(recordUnshippedCancelled(db, { orderId, lines: [{ sku: 'A-1', quantity: 1 }, { sku: 'C-3', quantity: 1 }], refundCents: 0, status: 'SHIPPED' }))).toMatchObject({
      type: 'NOT_SHIPPABLE',
    });
    // More units than the line has: the column's check.
    await expect(recordUnshippedCancelled(db, { orderId, lines: [{ sku: 'B-2', quantity: 2 }], refundCents: 0, status: 'SHIPPED' })).rejects.toThrow(/cancelled_quantity/);
    expect(await findOrder(db, orderId)).toMatchObject({ status: 'PARTIALLY_SHIPPED', cancelledLines: [] });
  });
});
