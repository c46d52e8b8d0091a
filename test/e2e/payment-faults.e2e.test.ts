import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { sandboxLedger } from '../../activities/payment/providers/sandbox.js';
import { serviceDatabases } from '../support/databases.js';
import { HoldingProxy } from '../support/holding-proxy.js';
import {
  askReturn,
  deliver,
  emailKinds,
  lastFailureMessage,
  ledgerCounts,
  pendingActivity,
  people,
  placePaid,
  receive,
  restartPaymentWorkerWith,
  ship,
  startedAttempts,
  untilDecisionEmailed,
} from '../support/payment-e2e.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// Faults in the middle of a payment step, each landing where it hurts: between the provider doing
// it and the payment worker hearing it (kill -9), between the provider doing it and the payment
// service recording it (PostgreSQL cut), and before the provider can be reached at all (down for a
// minute). Each ends with the step done once in the sandbox's ledger and the order where it belongs.
// The payment worker reaches the sandbox through a HoldingProxy (the kill is timed by holding the
// provider's answer, not by hoping) and PostgreSQL through a TcpProxy that can be cut; every other
// process reaches both directly.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
const database = new URL(inject('databaseUrl'));
const postgres = new TcpProxy(database.hostname, Number(database.port || 5432));
let provider: HoldingProxy;
let stack: TestStack;
/** How the polled conditions below are waited for (Temporal's describe has no long poll): vitest's own loop. */
const POLL = { timeout: 60_000, interval: 100 };

beforeAll(async () => {
  await smtp.start();
  await postgres.start();
  stack = await TestStack.start({ name: 'payment-faults', smtpUrl: smtp.url, env: { ORDER_RETURN_WINDOW: '30s' } });
  provider = await new HoldingProxy('127.0.0.1', stack.paymentSandbox.port).start();
  const viaProxy = new URL(database);
  viaProxy.port = String(postgres.port);
  await restartPaymentWorkerWith(stack, { PAYMENT_SANDBOX_URL: provider.url, DATABASE_URL: viaProxy.toString() });
});

afterAll(async () => {
  await stack?.stop();
  await provider?.stop();
  await postgres.cut();
  await smtp.stop();
  await dbs.destroy();
});

afterEach(() => {
  expect(stack.worker('payment-1').child.exitCode, 'payment-1 running').toBeNull();
});

const paymentRow = (orderId: string) => dbs.payment.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
const orderOf = async (orderId: string, token: string) => (await stack.request('GET', `/orders/${orderId}`, { token })).body;

describe('payment faults', () => {
  it('kill -9 of the payment worker while the provider has authorised but before the worker heard: one authorisation, the order CONFIRMED', async () => {
    const sku = await createProduct(stack, 5, 'PAYKA');
    const { customer } = await people(stack, 'pay-dave');
    const held = provider.hold();
    const placed = await placePaid(stack, customer, [{ sku, quantity: 1 }], TEST_PAYMENT_METHODS.succeeds);
    expect(placed.status).toBe(202);
    const { orderId } = placed.body;
    expect(await held).toMatch(/^HTTP\/1\.1 200/);
    // The provider did it; the payment service has not heard of it.
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1 });
    expect(await paymentRow(orderId)).toBeUndefined();
    expect((await pendingActivity(stack, orderId, 'authorisePayment'))?.attempt).toBe(1);

    await stack.worker('payment-1').kill();
    provider.release();
    stack.startWorker('payment', 1);

    // Temporal retries the attempt the dead worker held once its start-to-close timeout passed:
    // the same idempotency key, answered from the sandbox's first answer.
    await untilDecisionEmailed(smtp, orderId);
    expect(await orderOf(orderId, customer)).toMatchObject({ status: 'CONFIRMED', payment: { status: 'AUTHORISED', amountCents: 999 } });
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1 });
    expect(await startedAttempts(stack, orderId, 'authorisePayment')).toEqual([2]);
  });

  it('kill -9 of the payment worker while the provider has captured but before the worker heard: one capture, the order SHIPPED', async () => {
    const sku = await createProduct(stack, 5, 'PAYKC');
    const { customer, staff } = await people(stack, 'pay-erin');
    const placed = await placePaid(stack, customer, [{ sku, quantity: 2 }], TEST_PAYMENT_METHODS.succeeds, 30);
    expect(placed.body.status).toBe('CONFIRMED');
    const { orderId } = placed.body;

    const held = provider.hold();
    const shipping = ship(stack, staff, orderId, randomUUID(), { carrier: 'DHL', trackingNumber: 'KILLCAPTURE1' });
    expect(await held).toMatch(/^HTTP\/1\.1 200/);
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1, capture: 1 });
    expect((await paymentRow(orderId))?.status).toBe('AUTHORISED');

    await stack.worker('payment-1').kill();
    provider.release();
    stack.startWorker('payment', 1);

    // The ship request is answered once the retried capture is recorded.
    const shipped = await shipping;
    expect(shipped.status).toBe(201);
    expect(shipped.body).toMatchObject({ status: 'SHIPPED', payment: { status: 'CAPTURED', capturedCents: 2 * 999 } });
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1, capture: 1 });
    expect(await startedAttempts(stack, orderId, 'capturePayment')).toEqual([2]);
    await smtp.waitFor(() => emailKinds(smtp, orderId).ORDER_SHIPPED === 1);
  });

  it('PostgreSQL cut between the provider refunding and the payment service recording it: one refund, the order RETURNED', async () => {
    const sku = await createProduct(stack, 5, 'PAYPG');
    const { customer, staff } = await people(stack, 'pay-frank');
    const placed = await placePaid(stack, customer, [{ sku, quantity: 1 }], TEST_PAYMENT_METHODS.succeeds, 30);
    expect(placed.body.status).toBe('CONFIRMED');
    const { orderId } = placed.body;
    const shipped = await ship(stack, staff, orderId, randomUUID(), { carrier: 'DHL', trackingNumber: 'PGCUT1' });
    expect(shipped.status).toBe(201);
    expect((await deliver(stack, staff, orderId, shipped.body.shipments[0].shipmentId)).body.status).toBe('DELIVERED');
    const asked = await askReturn(stack, customer, orderId, [{ sku, quantity: 1 }], 'Changed my mind');
    expect(asked.status).toBe(201);

    const held = provider.hold();
    const receiving = receive(stack, staff, orderId, asked.body.returns[0].returnId, false);
    expect(await held).toMatch(/^HTTP\/1\.1 200/);
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1, capture: 1, refund: 1 });
    await postgres.cut();
    provider.release();
    // The worker heard the refund but cannot record it: the activity fails and is retried.
    await vi.waitFor(async () => expect((await pendingActivity(stack, orderId, 'refundPayment'))?.attempt).toBeGreaterThanOrEqual(2), POLL);
    expect((await paymentRow(orderId))?.status).toBe('CAPTURED');
    await postgres.restore();

    const received = await receiving;
    expect(received.status).toBe(200);
    expect(received.body).toMatchObject({ status: 'RETURNED', payment: { status: 'REFUNDED', refundedCents: 999 } });
    expect(await ledgerCounts(stack, orderId)).toEqual({ authorisation: 1, capture: 1, refund: 1 });
    await smtp.waitFor(() => emailKinds(smtp, orderId).REFUND_ISSUED === 1);
  });

  it('the provider unreachable for a minute during authorise: the order stays PENDING, then confirms with one authorisation', async () => {
    const sku = await createProduct(stack, 5, 'PAYDOWN');
    const { customer } = await people(stack, 'pay-gina');
    await stack.paymentSandbox.stop();
    const down = Date.now();
    const placed = await placePaid(stack, customer, [{ sku, quantity: 1 }], TEST_PAYMENT_METHODS.succeeds);
    expect(placed.status).toBe(202);
    const { orderId } = placed.body;
    await vi.waitFor(async () => expect((await pendingActivity(stack, orderId, 'authorisePayment'))?.attempt).toBeGreaterThanOrEqual(2), POLL);

    // The outage lasts its minute: that is the scenario, not a wait for something to happen.
    await sleepFor(Math.max(0, 60_000 - (Date.now() - down)));
    const during = await pendingActivity(stack, orderId, 'authorisePayment');
    expect(await lastFailureMessage(stack, during)).toMatch(/^payment sandbox POST .*\/v1\/authorisations: /);
    expect(await orderOf(orderId, customer)).toMatchObject({ status: 'PENDING', payment: null });
    expect(await paymentRow(orderId)).toBeUndefined();
    console.info(`provider down ${((Date.now() - down) / 1000).toFixed(1)} s: authorise on attempt ${during?.attempt}, the order PENDING`);

    await stack.paymentSandbox.start();
    const back = Date.now();
    await untilDecisionEmailed(smtp, orderId);
    console.info(`provider back: the order confirmed ${((Date.now() - back) / 1000).toFixed(1)} s later`);
    expect(await orderOf(orderId, customer)).toMatchObject({ status: 'CONFIRMED', payment: { status: 'AUTHORISED' } });
    expect(await sandboxLedger(stack.paymentSandbox.url, orderId)).toMatchObject([{ kind: 'authorisation', amountCents: 999 }]);
  });
});
