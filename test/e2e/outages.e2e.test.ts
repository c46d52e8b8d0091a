import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { serviceDatabases } from '../support/databases.js';
import { countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { sampleSum } from '../support/prometheus-text.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// A part of the system goes away while orders are in flight, then comes back. Nothing is lost,
// nothing happens twice. The workers reach PostgreSQL through a proxy that can be cut.
const ORDERS = 30;
const STOCK = 20;
const smtp = new SmtpSink();
const dbs = serviceDatabases();
const database = new URL(inject('databaseUrl'));
const postgres = new TcpProxy(database.hostname, Number(database.port || 5432));
let stack: TestStack;
/** How the polled conditions below are waited for: vitest's own retry loop. */
const POLL = { timeout: 60_000, interval: 100 };

beforeAll(async () => {
  await smtp.start();
  await postgres.start();
  const viaProxy = new URL(database);
  viaProxy.port = String(postgres.port);
  stack = await TestStack.start({
    name: 'outages',
    smtpUrl: smtp.url,
    workerEndpoints: true,
    env: { DATABASE_URL: viaProxy.toString() },
  });
});

afterAll(async () => {
  await stack?.stop();
  await postgres.cut();
  await smtp.stop();
  await dbs.destroy();
});

async function expectAllSettled(sku: string, orderIds: string[], label: string, started: number) {
  const outcomes = await settledOrders(stack.client, orderIds);
  console.info(`${label}: ${orderIds.length} orders settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: STOCK, REJECTED: ORDERS - STOCK });
  await expectConsistent(dbs, outcomes, { [sku]: STOCK }, smtp);
}

/** Resolves once the API's readiness check reports `status`. */
const untilReadiness = (status: number) =>
  vi.waitFor(async () => expect((await fetch(`${stack.apiUrl}/readyz`)).status).toBe(status), POLL);

describe('outages', () => {
  it('PostgreSQL unreachable for a while: orders are decided once it is back, emails go once', async () => {
    const sku = await createProduct(stack, STOCK, 'PGDOWN');
    const started = Date.now();
    const orderIds = await placeOrders(stack, singleLineOrders(sku, ORDERS));
    await postgres.cut();
    await untilReadiness(503);
    const down = await fetch(`${stack.apiUrl}/readyz`).then((r) => r.json());
    expect(down).toMatchObject({ status: 'unavailable' });
    // Stay down until the outage has demonstrably hit work in flight: an activity failed and is being retried.
    await untilAnActivityRetries(orderIds);
    await postgres.restore();
    await untilReadiness(200);
    await expectAllSettled(sku, orderIds, 'PostgreSQL cut and restored', started);
  });

  it('SMTP down for a while: orders are decided without waiting for mail, which goes out once when it is back', async () => {
    const sku = await createProduct(stack, STOCK, 'SMTPDOWN');
    const port = smtp.port;
    await smtp.stop();
    const started = Date.now();
    const orderIds = await placeOrders(stack, singleLineOrders(sku, ORDERS));
    // Every order reaches its decision while the mail server is still down.
    const token = await stack.token('ops', ['operator']);
    await untilAllDecided(orderIds, token);
    const pending = await dbs.notification.selectFrom('notifications').select('status').where('order_id', 'in', orderIds).execute();
    expect(pending.every((row) => row.status === 'PENDING')).toBe(true);
    expect(smtp.messages.filter((mail) => orderIds.some((id) => mail.parsed.messageId?.includes(id)))).toEqual([]);

    await smtp.start(port);
    await expectAllSettled(sku, orderIds, 'SMTP down then back', started);
    const attempts = await dbs.notification.selectFrom('notifications').select('attempts').where('order_id', 'in', orderIds).execute();
    expect(attempts.some((row) => row.attempts > 1)).toBe(true);
  });

  it('no order worker at all for a while: the API still accepts orders, and they are decided when one is back', async () => {
    const sku = await createProduct(stack, STOCK, 'NOWORKER');
    await stack.worker('order-1').kill();
    const token = await stack.token('patient');
    const placed = await read(stack.api(token).orders.$post({ header: { prefer: 'wait=2' }, json: { lines: [{ sku, quantity: 1 }] } }));
    // Waited the two seconds for a decision that could not come: the order as it stands, PENDING.
    expect(placed.status).toBe(200);
    expect(placed.headers.get('preference-applied')).toBe('wait=2');
    expect(placed.body).toMatchObject({ customerId: 'patient', status: 'PENDING', lines: [{ sku, quantity: 1 }], totalCents: null });
    stack.startWorker('order', 1);
    const outcomes = await settledOrders(stack.client, [placed.body.orderId]);
    expect(outcomes.get(placed.body.orderId)?.status).toBe('CONFIRMED');
  });

  it('Temporal server stopped and restarted (same SQLite file) with orders in flight: none lost', async () => {
    const sku = await createProduct(stack, STOCK, 'TSTOP');
    const started = Date.now();
    const orderIds = await placeOrders(stack, singleLineOrders(sku, ORDERS));
    // In flight: the last order was accepted a moment ago (and a confirmed order's run stays open until it ships).
    expect((await stack.client.workflow.getHandle(`order-${orderIds.at(-1)}`).describe()).status.name).toBe('RUNNING');
    await stack.server.stop();
    await untilReadiness(503);
    // While Temporal is down a new order is refused with 503 (nothing started); the client retries.
    // Raw: the test reads the error body, which the typed client does not type.
    const refused = await stack.request('POST', '/orders', { token: await stack.token('late'), body: { lines: [{ sku, quantity: 1 }] } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('UNAVAILABLE');
    expect(refused.headers.get('retry-after')).toBe('5');
    await stack.startServer();
    await untilReadiness(200);
    await expectAllSettled(sku, orderIds, 'Temporal server restarted', started);
  });
});

/** Polls the workflows' descriptions until one has a pending activity on its second attempt or later. */
const untilAnActivityRetries = (orderIds: string[]) =>
  vi.waitFor(async () => {
    // The order service's own steps are local activities, which Temporal's describe() does not
    // list: their failed attempts are counted by the order worker itself.
    const orderWorkerMetrics = await fetch(`${stack.workerUrl('order-1')}/metrics`).then((response) => response.text());
    const localFailures = sampleSum(orderWorkerMetrics, 'temporal_local_activity_execution_failed');
    const descriptions = await Promise.all(orderIds.map((orderId) => stack.client.workflow.getHandle(`order-${orderId}`).describe()));
    const attempts = descriptions.flatMap(({ raw }) => (raw.pendingActivities ?? []).map((activity) => activity.attempt ?? 0));
    expect(localFailures > 0 || Math.max(0, ...attempts) >= 2).toBe(true);
  }, POLL);

/** Polls the order service until no order of the list is PENDING. */
const untilAllDecided = (orderIds: string[], token: string) =>
  vi.waitFor(async () => {
    const statuses = await Promise.all(orderIds.map(async (orderId) => (await read(stack.api(token).orders[':orderId'].$get({ param: { orderId } }))).body.status));
    expect(statuses).not.toContain('PENDING');
  }, POLL);
