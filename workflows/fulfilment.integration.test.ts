import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { findStockLevel } from '../activities/inventory/repository.js';
import { findOrder } from '../activities/order/repository.js';
import { sandboxLedger } from '../activities/payment/providers/sandbox.js';
import { TEST_PAYMENT_METHODS } from '../activities/payment/contract.js';
import { createStockedProduct } from '../test/support/catalog.js';
import { recordFixture } from '../test/support/fixtures.js';
import { untilOrderDecided } from '../test/support/order-decided.js';
import { placeOrderInput, startPlaceOrder } from '../test/support/place-order.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';
import { cancelOrder, deliverShipment, fulfilmentUpdateId, receiveReturn, requestReturn, shipOrder, type PlaceOrderInput } from './place-order.contract.js';
import type { PlaceOrder } from './place-order.js';

// Money and fulfilment on a real Temporal, with every service's real activities, PostgreSQL, the
// SMTP sink and the sandbox payment provider; each path records its replay fixture.
const testbed = useWorkflowTestbed();
const { dbs, smtp } = testbed;
const codec = testDataConverter.payloadCodecs![0]!;

const paidOrder = (lines: PlaceOrderInput['lines'], overrides: Partial<PlaceOrderInput> = {}) =>
  placeOrderInput(lines, { customerId: `cust-${randomUUID().slice(0, 8)}`, payment: { method: TEST_PAYMENT_METHODS.succeeds }, ...overrides });

async function placeConfirmed(order: PlaceOrderInput): Promise<WorkflowHandle<typeof PlaceOrder>> {
  const handle = await startPlaceOrder(testbed.env.client, order);
  expect(await untilOrderDecided(testbed.env.client, handle.workflowId)).toBe('open');
  return handle;
}

const ship = (handle: WorkflowHandle<typeof PlaceOrder>, shipmentId: string, lines?: Array<{ sku: string; quantity: number }>) =>
  handle.executeUpdate(shipOrder, { updateId: fulfilmentUpdateId('ship', shipmentId), args: [{ shipmentId, carrier: 'DHL', trackingNumber: `JD${shipmentId.slice(0, 8)}`, requestedBy: 'olivia', ...(lines && { lines }) }] });
const deliver = (handle: WorkflowHandle<typeof PlaceOrder>, shipmentId: string) =>
  handle.executeUpdate(deliverShipment, { updateId: fulfilmentUpdateId('deliver', shipmentId), args: [{ shipmentId, requestedBy: 'olivia' }] });

const ledgerKinds = async (orderId: string) => (await sandboxLedger(testbed.paymentSandbox.url, orderId)).map((entry) => `${entry.kind} ${entry.amountCents}`);
/** An Update its validator refused, as the client raises it. */
const refusal = (type: string, message: RegExp) => ({ name: 'WorkflowUpdateFailedError', cause: expect.objectContaining({ type, message: expect.stringMatching(message) }) });
const subjects = (orderId: string) => smtp.forOrder(orderId).map((mail) => mail.parsed.subject);

describe('PlaceOrder with payment and fulfilment', () => {
  it('takes an order from checkout to its return window: authorised, captured at the first of two shipments, delivered, one line returned, restocked and refunded', async () => {
    const [tee, mug] = [await createStockedProduct(dbs, { priceCents: 1999, stock: 10 }), await createStockedProduct(dbs, { priceCents: 1250, stock: 5 })];
    // Long enough to ask for the return right after the last delivery; the run ends when it closes.
    const order = paidOrder([{ sku: tee, quantity: 2 }, { sku: mug, quantity: 1 }], { returnWindow: '15s' });
    const handle = await placeConfirmed(order);
    expect(await ledgerKinds(order.orderId)).toEqual(['authorisation 5248']);

    const [first, second] = [randomUUID(), randomUUID()];
    expect(await ship(handle, first, [{ sku: tee, quantity: 2 }])).toMatchObject({ status: 'PARTIALLY_SHIPPED' });
    // The same request again (the API's retry): the same Update ID, answered without a second shipment.
    expect((await ship(handle, first, [{ sku: tee, quantity: 2 }])).shipments).toHaveLength(1);
    expect(await ship(handle, second)).toMatchObject({ status: 'SHIPPED' });
    expect(await ledgerKinds(order.orderId)).toEqual(['authorisation 5248', 'capture 5248']);

    await deliver(handle, first);
    const delivered = await deliver(handle, second);
    expect(delivered).toMatchObject({ status: 'DELIVERED', returnableUntil: expect.any(String) });

    const returnId = randomUUID();
    await handle.executeUpdate(requestReturn, { updateId: fulfilmentUpdateId('return', returnId), args: [{ returnId, lines: [{ sku: mug, quantity: 1 }], reason: 'chipped', requestedBy: order.customerId }] });
    expect(await handle.executeUpdate(receiveReturn, { updateId: fulfilmentUpdateId('receive', returnId), args: [{ returnId, restock: true, requestedBy: 'olivia' }] })).toMatchObject({ status: 'PARTIALLY_RETURNED' });

    expect(await handle.result()).toMatchObject({ status: 'PARTIALLY_RETURNED' });
    expect(await ledgerKinds(order.orderId)).toEqual(['authorisation 5248', 'capture 5248', 'refund 1250']);
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'PARTIALLY_RETURNED' });
    expect(await findStockLevel(dbs.inventory, tee)).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await findStockLevel(dbs.inventory, mug)).toMatchObject({ onHand: 5, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 7);
    expect(smtp.forOrder(order.orderId).map((mail) => mail.parsed.text).join('\n')).toContain(`JD${first.slice(0, 8)}`);
    expect(subjects(order.orderId).filter((subject) => /shipped/i.test(subject ?? ''))).toHaveLength(2);
    expect(new Set(smtp.forOrder(order.orderId).map((mail) => mail.parsed.messageId)).size).toBe(7);
    await recordFixture(handle, 'place-order-paid-shipped-delivered-returned', codec);
  });

  it('rejects a declined payment (PAYMENT_DECLINED): the stock goes back and nothing is captured', async () => {
    const sku = await createStockedProduct(dbs, { stock: 3 });
    const order = paidOrder([{ sku, quantity: 2 }], { payment: { method: TEST_PAYMENT_METHODS.declined } });
    const handle = await startPlaceOrder(testbed.env.client, order);
    expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await ledgerKinds(order.orderId)).toEqual([expect.stringMatching(/^decline /)]);
    await recordFixture(handle, 'place-order-payment-declined', codec);
  });

  it('lets staff cancel a paid order after the customer\'s window, before it ships: the authorisation is voided, the stock released', async () => {
    const sku = await createStockedProduct(dbs, { stock: 4 });
    const order = paidOrder([{ sku, quantity: 1 }], { cancellationWindow: '1ms' });
    const handle = await placeConfirmed(order);
    await expect(handle.executeUpdate(cancelOrder, { args: [{ requestedBy: order.customerId }] })).rejects.toMatchObject(refusal('NOT_CANCELLABLE', /staff can still cancel/));
    expect(await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'olivia', byStaff: true }] })).toMatchObject({ status: 'CANCELLED' });
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
    expect(await ledgerKinds(order.orderId)).toEqual([expect.stringMatching(/^authorisation /), expect.stringMatching(/^void /)]);
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 4, reserved: 0 });
    // The run has ended with the cancel: there is nothing left to ship to (the API answers 409).
    await expect(ship(handle, randomUUID())).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
    await recordFixture(handle, 'place-order-paid-cancelled-by-staff', codec);
  });

  it('cancels what has not shipped when the fulfilment window closes: its stock released, its price refunded, the rest delivered', async () => {
    const [tee, mug] = [await createStockedProduct(dbs, { priceCents: 1000, stock: 5 }), await createStockedProduct(dbs, { priceCents: 700, stock: 5 })];
    // Both windows short: nothing here waits on them but the run's own timers.
    const order = paidOrder([{ sku: tee, quantity: 1 }, { sku: mug, quantity: 2 }], { fulfilmentWindow: '1s', returnWindow: '1s' });
    const handle = await placeConfirmed(order);
    const shipmentId = randomUUID();
    await ship(handle, shipmentId, [{ sku: tee, quantity: 1 }]);
    expect(await deliver(handle, shipmentId)).toMatchObject({ status: 'PARTIALLY_SHIPPED' });

    expect(await handle.result()).toMatchObject({ status: 'DELIVERED', cancelledLines: [{ sku: mug, quantity: 2 }] });
    expect(await ledgerKinds(order.orderId)).toEqual(['authorisation 2400', 'capture 2400', 'refund 1400']);
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'DELIVERED', cancelledLines: [{ sku: mug, quantity: 2 }] });
    expect(await findStockLevel(dbs.inventory, mug)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await findStockLevel(dbs.inventory, tee)).toMatchObject({ onHand: 4, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 4);
    expect(subjects(order.orderId).filter((subject) => /refund/i.test(subject ?? ''))).toHaveLength(1);
    await recordFixture(handle, 'place-order-paid-unshipped-refunded', codec);
  });

  it('moves no money for an order placed without payment; every unit back ends the run before its return window', async () => {
    const sku = await createStockedProduct(dbs, { stock: 6 });
    const order = placeOrderInput([{ sku, quantity: 2 }], { customerId: `cust-${randomUUID().slice(0, 8)}`, returnWindow: '1h' });
    const handle = await placeConfirmed(order);
    const shipmentId = randomUUID();
    await expect(handle.executeUpdate(shipOrder, { args: [{ shipmentId, carrier: 'DHL', trackingNumber: 'X', requestedBy: 'olivia', lines: [{ sku, quantity: 3 }] }] })).rejects.toMatchObject(refusal('NOT_SHIPPABLE', /only 2 left to ship/));
    await ship(handle, shipmentId);
    await deliver(handle, shipmentId);
    const returnId = randomUUID();
    await handle.executeUpdate(requestReturn, { updateId: fulfilmentUpdateId('return', returnId), args: [{ returnId, lines: [{ sku, quantity: 2 }], reason: 'too small', requestedBy: order.customerId }] });
    await handle.executeUpdate(receiveReturn, { updateId: fulfilmentUpdateId('receive', returnId), args: [{ returnId, restock: false, requestedBy: 'olivia' }] });
    expect(await handle.result()).toMatchObject({ status: 'RETURNED' });
    expect(await ledgerKinds(order.orderId)).toEqual([]);
    // Not restocked: the two units stay out of stock (written off by whoever received them).
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 4, reserved: 0 });
    await recordFixture(handle, 'place-order-unpaid-returned-in-full', codec);
  });
});
