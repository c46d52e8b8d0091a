import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { createStockedProduct } from '../support/catalog.js';
import { serviceDatabases } from '../support/databases.js';
import { sampleValue } from '../support/prometheus-text.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

// Each worker process answers for itself on its own port: /healthz, /readyz and /metrics, the
// business metrics next to the Temporal SDK's. A business rejection is a result, not a failure.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
const WORKERS = ['product-1', 'inventory-1', 'order-1', 'notification-1', 'payment-1'];

beforeAll(async () => {
  await smtp.start();
  stack = await TestStack.start({ name: 'worker-endpoints', smtpUrl: smtp.url, workerEndpoints: true, env: { ORDER_CANCELLATION_WINDOW: '1h' } });
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

const scrape = async (worker: string) => (await fetch(`${stack.workerUrl(worker)}/metrics`)).text();

describe('worker endpoints', () => {
  it.each(WORKERS)('%s is alive and ready, naming what it checked', async (worker) => {
    expect(await (await fetch(`${stack.workerUrl(worker)}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${stack.workerUrl(worker)}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks)).toEqual(['temporal', expect.stringMatching(/^postgres:/)]);
  });

  it('counts orders by outcome and reason, reservations, commits, releases, payments and emails, once each', async () => {
    const sku = await createStockedProduct(dbs, { stock: 3 });
    const customer = await stack.token('counted');
    const api = stack.api(customer);
    const place = (quantity: number) => read(api.orders.$post({ json: { lines: [{ sku, quantity }], payment: { method: TEST_PAYMENT_METHODS.succeeds } }, header: { prefer: 'wait=30' } }));
    const before = { order: await scrape('order-1'), inventory: await scrape('inventory-1'), payment: await scrape('payment-1'), notification: await scrape('notification-1') };

    const confirmed = await place(2);
    expect(confirmed.body.status).toBe('CONFIRMED');
    expect((await place(5)).body).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect((await read(api.orders[':orderId'].cancel.$post({ param: { orderId: confirmed.body.orderId } }))).body.status).toBe('CANCELLED');

    const order = await scrape('order-1');
    const delta = (text: string, previous: string, name: string, labels: Record<string, string> = {}) => sampleValue(text, name, labels) - sampleValue(previous, name, labels);
    expect(delta(order, before.order, 'orderflow_orders_placed_total')).toBe(2);
    expect(delta(order, before.order, 'orderflow_orders_decided_total', { outcome: 'confirmed' })).toBe(1);
    expect(delta(order, before.order, 'orderflow_orders_decided_total', { outcome: 'rejected', reason: 'OUT_OF_STOCK' })).toBe(1);
    expect(delta(order, before.order, 'orderflow_orders_decided_total', { outcome: 'cancelled' })).toBe(1);
    // The gauge counts every PENDING row of the run's database, and suites before this one may have
    // left some (a stack stopped before its orders were decided): ours added none.
    expect(delta(order, before.order, 'orderflow_orders_pending')).toBe(0);

    const inventory = await scrape('inventory-1');
    expect(delta(inventory, before.inventory, 'orderflow_stock_reservations_total', { result: 'reserved' })).toBe(1);
    expect(delta(inventory, before.inventory, 'orderflow_stock_reservations_total', { result: 'rejected', reason: 'OUT_OF_STOCK' })).toBe(1);
    expect(delta(inventory, before.inventory, 'orderflow_stock_commits_total')).toBe(1);
    expect(delta(inventory, before.inventory, 'orderflow_stock_releases_total')).toBe(1);
    expect(sampleValue(inventory, 'orderflow_saga_step_duration_seconds_count', { activity: 'reserveOrderStock', outcome: 'rejected' })).toBeGreaterThanOrEqual(1);

    // The confirmed order's 2 × 1000 held, then released by the cancel; the rejected one never reached its payment.
    const payment = await scrape('payment-1');
    expect(delta(payment, before.payment, 'orderflow_payments_authorised_total')).toBe(1);
    expect(delta(payment, before.payment, 'orderflow_payments_voided_total')).toBe(1);
    expect(delta(payment, before.payment, 'orderflow_payment_amount_cents_total', { operation: 'authorised', currency: 'EUR' })).toBe(2000);
    expect(delta(payment, before.payment, 'orderflow_payment_amount_cents_total', { operation: 'voided', currency: 'EUR' })).toBe(2000);

    await vi.waitFor(async () => {
      const notification = await scrape('notification-1');
      expect(sampleValue(notification, 'orderflow_emails_total', { kind: 'ORDER_REJECTED', result: 'sent' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(notification, 'orderflow_emails_total', { kind: 'ORDER_CANCELLED', result: 'sent' })).toBeGreaterThanOrEqual(1);
      // As for orders: a suite before this one may have stopped its stack with an email unsent; ours are all sent.
      expect(delta(notification, before.notification, 'orderflow_email_backlog')).toBe(0);
    }, { timeout: 30_000, interval: 200 });
  });

  it("serves the Temporal SDK's metrics in the same scrape, where a rejection is no failure", async () => {
    const inventory = await scrape('inventory-1');
    expect(inventory).toMatch(/^temporal_activity_execution_latency/m);
    expect(inventory).toMatch(/service="inventory"/);
    expect(sampleValue(inventory, 'temporal_activity_execution_failed', { activity_type: 'reserveOrderStock' })).toBe(0);
  });
});
