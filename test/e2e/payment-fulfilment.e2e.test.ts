import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { orderWorkflowId, type OrderState } from '../../workflows/place-order.contract.js';
import { burstOfClients } from '../support/clients.js';
import { serviceDatabases } from '../support/databases.js';
import { countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { askReturn, deliver, emailKinds, ledgerCounts, people, placePaid, receive, ship, wholeLedger } from '../support/payment-e2e.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// Money and fulfilment through the whole system: the API, the five workers, the dev server, SMTP
// and the payment sandbox, whose ledger says what the provider was asked to do. Faults are in
// payment-faults.e2e.test.ts.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;

beforeAll(async () => {
  await smtp.start();
  // A return window short enough for the full path's run to end within the test, long enough for
  // the return that is asked for right after the last delivery.
  stack = await TestStack.start({ name: 'payment-fulfilment', smtpUrl: smtp.url, env: { ORDER_RETURN_WINDOW: '30s' } });
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

const stockOf = async (sku: string) => (await stack.request('GET', `/inventory/${sku}`)).body as { onHand: number; reserved: number; available: number };

describe('payment and fulfilment through the HTTP API', () => {
  it('two lines paid by card, shipped twice, delivered twice, one line returned and restocked: one authorisation, one capture, one refund of that line', async () => {
    const widget = await createProduct(stack, 10, 'PAYW', { name: 'Widget', priceCents: 1250 });
    const gadget = await createProduct(stack, 5, 'PAYG', { name: 'Gadget', priceCents: 399 });
    const { customer, staff } = await people(stack, 'pay-alice');

    const placed = await placePaid(stack, customer, [{ sku: widget, quantity: 2 }, { sku: gadget, quantity: 1 }], TEST_PAYMENT_METHODS.succeeds, 30);
    expect(placed.status).toBe(200);
    const { orderId } = placed.body;
    expect(placed.body).toMatchObject({ status: 'CONFIRMED', totalCents: 2899, payment: { status: 'AUTHORISED', amountCents: 2899, capturedCents: 0 } });

    // First shipment: the widgets. It captures the whole payment.
    const firstKey = randomUUID();
    const first = { lines: [{ sku: widget, quantity: 2 }], carrier: 'DHL', trackingNumber: 'JD014600006281230' };
    const shipped1 = await ship(stack, staff, orderId, firstKey, first);
    expect(shipped1.status).toBe(201);
    expect(shipped1.body).toMatchObject({ status: 'PARTIALLY_SHIPPED', payment: { status: 'CAPTURED', capturedCents: 2899 } });
    expect(shipped1.body.shipments).toHaveLength(1);
    const [shipment1] = shipped1.body.shipments;

    // The same request again, same Idempotency-Key: the same shipment, no second one.
    const again = await ship(stack, staff, orderId, firstKey, first);
    expect(again.status).toBe(201);
    expect(again.body.shipments).toEqual([shipment1]);

    // Second shipment: everything left (the gadget).
    const shipped2 = await ship(stack, staff, orderId, randomUUID(), { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' });
    expect(shipped2.status).toBe(201);
    expect(shipped2.body.status).toBe('SHIPPED');
    expect(shipped2.body.shipments).toHaveLength(2);
    const shipment2 = shipped2.body.shipments[1];
    expect(shipment2.lines).toEqual([{ sku: gadget, quantity: 1 }]);

    expect((await deliver(stack, staff, orderId, shipment1.shipmentId)).body.status).toBe('SHIPPED');
    const delivered = await deliver(stack, staff, orderId, shipment2.shipmentId);
    expect(delivered.status).toBe(200);
    expect(delivered.body.status).toBe('DELIVERED');

    // The customer sends the widgets back; staff receive them and put them back on the shelf.
    const asked = await askReturn(stack, customer, orderId, [{ sku: widget, quantity: 2 }], 'Too big');
    expect(asked.status).toBe(201);
    const [orderReturn] = asked.body.returns;
    const received = await receive(stack, staff, orderId, orderReturn.returnId, true);
    expect(received.status).toBe(200);
    expect(received.body).toMatchObject({ status: 'PARTIALLY_RETURNED', payment: { status: 'PARTIALLY_REFUNDED', capturedCents: 2899, refundedCents: 2500 } });
    expect(received.body.returns).toMatchObject([{ returnId: orderReturn.returnId, restocked: true, refundCents: 2500 }]);

    // The run ends when the return window closes, every email sent before.
    const handle = stack.client.workflow.getHandle(orderWorkflowId(orderId));
    const result = (await handle.result()) as OrderState;
    expect(result.status).toBe('PARTIALLY_RETURNED');
    expect((await stack.request('GET', `/orders/${orderId}`, { token: customer })).body.status).toBe('PARTIALLY_RETURNED');
    const { historyLength, historySize } = await handle.describe();
    console.log(`full payment path (2 lines, 2 shipments, 2 deliveries, 1 return): history of ${historyLength} events, ${historySize} bytes`);

    const ledger = await ledgerCounts(stack, orderId);
    expect(ledger).toEqual({ authorisation: 1, capture: 1, refund: 1 });
    const refund = (await wholeLedger(stack)).find((entry) => entry.orderId === orderId && entry.kind === 'refund');
    expect(refund?.amountCents).toBe(2 * 1250);

    // The widgets are back in available stock; the gadget went out.
    expect(await stockOf(widget)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(await stockOf(gadget)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });

    expect(emailKinds(smtp, orderId)).toEqual({ ORDER_CONFIRMED: 1, ORDER_SHIPPED: 2, ORDER_DELIVERED: 2, RETURN_RECEIVED: 1, REFUND_ISSUED: 1 });
    const shippedMails = smtp.forOrder(orderId).filter((mail) => mail.parsed.messageId?.startsWith('<order_shipped.'));
    for (const [carrier, tracking] of [
      ['DHL', 'JD014600006281230'],
      ['UPS', '1Z999AA10123456784'],
    ]) {
      expect(shippedMails.filter((mail) => mail.parsed.text?.includes(`Carrier: ${carrier}`) && mail.parsed.text.includes(`Tracking number: ${tracking}`))).toHaveLength(1);
    }
  });

  it('a declined card: REJECTED (PAYMENT_DECLINED), the stock back, a decline in the ledger and nothing captured', async () => {
    const sku = await createProduct(stack, 3, 'PAYD');
    const { customer } = await people(stack, 'pay-bob');
    const placed = await placePaid(stack, customer, [{ sku, quantity: 2 }], TEST_PAYMENT_METHODS.declined, 30);
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    const { orderId } = placed.body;
    expect(await stockOf(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await ledgerCounts(stack, orderId)).toEqual({ decline: 1 });
    // A rejected order's run ends after its email.
    expect(((await stack.client.workflow.getHandle(orderWorkflowId(orderId)).result()) as OrderState).status).toBe('REJECTED');
    expect(emailKinds(smtp, orderId)).toEqual({ ORDER_REJECTED: 1 });
  });
});

describe('payment under concurrency', () => {
  it('200 paid orders for 50 in stock from 10 customers: 50 CONFIRMED with an authorisation each, 150 REJECTED(OUT_OF_STOCK) with none, nothing captured', async () => {
    const sku = await createProduct(stack, 50, 'PAYRACE');
    const started = Date.now();
    const shop = { apiUrl: stack.apiUrl, token: (sub: string) => stack.token(`pay-${sub}`) };
    const burst = await burstOfClients(shop, sku, { count: 200, customers: 10, payment: { method: TEST_PAYMENT_METHODS.succeeds } });
    expect(burst.unexpected).toEqual([]);
    expect(burst.orderIds).toHaveLength(200);
    // Every decision emailed first (the SMTP sink wakes on each message): only then are the 50
    // confirmed orders' workflows asked for their state, idle by then, not queued behind the burst.
    const decided = (messages: ReceivedMail[]) => new Set(messages.filter((mail) => burst.orderIds.some((id) => mail.parsed.messageId?.includes(id))).map((mail) => mail.parsed.messageId)).size;
    await smtp.waitFor((messages) => decided(messages) >= 200, 240_000);
    const outcomes = await settledOrders(stack.client, burst.orderIds);
    console.info(`paid burst: 200 orders settled in ${((Date.now() - started) / 1000).toFixed(1)} s`, burst.statuses);
    expect(countBy(outcomes.values(), (o) => `${o.status}${o.reason ? `(${o.reason})` : ''}`)).toEqual({ CONFIRMED: 50, 'REJECTED(OUT_OF_STOCK)': 150 });
    await expectConsistent(dbs, outcomes, { [sku]: 50 }, smtp);

    const confirmed = new Set([...outcomes.values()].filter((o) => o.status === 'CONFIRMED').map((o) => o.orderId));
    const entries = (await wholeLedger(stack)).filter((entry) => outcomes.has(entry.orderId));
    expect(countBy(entries, (entry) => entry.kind)).toEqual({ authorisation: 50 });
    expect(new Set(entries.map((entry) => entry.orderId))).toEqual(confirmed);
  }, 300_000);

  it('a ship and a staff cancel sent at the same moment, on several orders: each ends SHIPPED with a capture or CANCELLED with a void, never both', async () => {
    const RACES = 8;
    const sku = await createProduct(stack, RACES, 'PAYSC');
    const { customer, staff } = await people(stack, 'pay-carol');
    const orderIds = await Promise.all(
      Array.from({ length: RACES }, async () => {
        const placed = await placePaid(stack, customer, [{ sku, quantity: 1 }], TEST_PAYMENT_METHODS.succeeds, 30);
        expect(placed.body.status).toBe('CONFIRMED');
        return placed.body.orderId as string;
      }),
    );
    const races = await Promise.all(
      orderIds.map(async (orderId) => {
        const [shipped, cancelled] = await Promise.all([
          ship(stack, staff, orderId, randomUUID(), { carrier: 'DHL', trackingNumber: `RACE-${orderId.slice(0, 8)}` }),
          stack.request('POST', `/orders/${orderId}/cancel`, { token: staff }),
        ]);
        return { orderId, shipped, cancelled };
      }),
    );
    const outcomes: string[] = [];
    for (const { orderId, shipped, cancelled } of races) {
      const order = (await stack.request('GET', `/orders/${orderId}`, { token: staff })).body;
      const ledger = await ledgerCounts(stack, orderId);
      if (shipped.status === 201) {
        expect(cancelled.status, `order ${orderId}: the cancel lost to the shipment`).toBe(409);
        expect(order).toMatchObject({ status: 'SHIPPED', payment: { status: 'CAPTURED' } });
        expect(ledger).toEqual({ authorisation: 1, capture: 1 });
      } else {
        expect([shipped.status, cancelled.status], `order ${orderId}: the shipment lost to the cancel`).toEqual([409, 200]);
        expect(order).toMatchObject({ status: 'CANCELLED', payment: { status: 'VOIDED' } });
        expect(ledger).toEqual({ authorisation: 1, void: 1 });
      }
      outcomes.push(order.status);
    }
    console.info('ship against cancel:', countBy(outcomes, (status) => status));
    // Every unit either went out or came back.
    const cancelledCount = outcomes.filter((status) => status === 'CANCELLED').length;
    expect(await stockOf(sku)).toMatchObject({ onHand: cancelledCount, reserved: 0 });
  });
});
