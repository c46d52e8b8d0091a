import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { databaseRole } from '../../common/config.js';
import { ROOT } from '../../dev/stack.js';
import { serviceDatabases, uniqueSku } from '../support/databases.js';
import { createStockedProduct } from '../support/catalog.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// Two API replicas share one limit (its counters live in PostgreSQL); when that store is out of
// reach, orders still go through and the outage is logged.
const ORDERS_PER_WINDOW = 4;
const WRITES_PER_WINDOW = 3;
const smtp = new SmtpSink();
const dbs = serviceDatabases();
const database = new URL(inject('databaseUrl'));
const limiterStore = new TcpProxy(database.hostname, Number(database.port || 5432));
let stack: TestStack;
let replicas: string[];

beforeAll(async () => {
  await smtp.start();
  await limiterStore.start();
  // Only the API's own schema (the limiter's counters) goes through the proxy that can be cut.
  const viaProxy = new URL(database);
  viaProxy.port = String(limiterStore.port);
  viaProxy.username = databaseRole('api', 'owner');
  stack = await TestStack.start({
    name: 'rate-limit',
    smtpUrl: smtp.url,
    env: {
      RATE_LIMIT_ORDERS: String(ORDERS_PER_WINDOW),
      RATE_LIMIT_ORDERS_WINDOW_SECONDS: '600',
      RATE_LIMIT_CATALOG_WRITES: String(WRITES_PER_WINDOW),
      RATE_LIMIT_CATALOG_WRITES_WINDOW_SECONDS: '600',
      API_DATABASE_URL: viaProxy.toString(),
    },
  });
  replicas = [stack.apiUrl, await stack.startApiReplica()];
});

afterAll(async () => {
  await stack?.stop();
  await limiterStore.cut();
  await smtp.stop();
  await dbs.destroy();
});

const ordersOf = async (customerId: string) =>
  Number((await dbs.order.selectFrom('orders').select(sql<string>`count(*)`.as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow()).n);

describe('rate limits shared by every API replica', () => {
  let sku: string;
  // Principals of this run only: the counters live in the run's database, shared with earlier suites.
  const greedy = `greedy-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    sku = await createStockedProduct(dbs, { priceCents: 100, stock: 1_000 });
  });

  it('lets a customer place only the limit of orders across both replicas; the rest get 429 with Retry-After', async () => {
    const token = await stack.token(greedy);
    const statuses: number[] = [];
    const first = { 'idempotency-key': `first-${greedy}` };
    for (let i = 0; i < ORDERS_PER_WINDOW * 2; i += 1) {
      const response = await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] }, baseUrl: replicas[i % 2], ...(i === 0 && { headers: first }) });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.body).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.any(String), details: [] } });
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(600);
      }
    }
    expect(statuses).toEqual([...Array(ORDERS_PER_WINDOW).fill(202), ...Array(ORDERS_PER_WINDOW).fill(429)]);
    // The refused ones started nothing.
    await vi.waitFor(async () => expect(await ordersOf(greedy)).toBe(ORDERS_PER_WINDOW), { timeout: 30_000, interval: 100 });
    // A retry of an order already placed (same Idempotency-Key) is not a new order: not limited.
    const retry = await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] }, headers: first });
    expect(retry.status).toBe(202);
    expect(await ordersOf(greedy)).toBe(ORDERS_PER_WINDOW);

    // Another customer has a limit of their own.
    const other = await stack.token(`patient-${randomUUID().slice(0, 8)}`);
    for (const baseUrl of replicas) {
      expect((await stack.request('POST', '/orders', { token: other, body: { lines: [{ sku, quantity: 1 }] }, baseUrl })).status).toBe(202);
    }
  });

  it('limits catalog writes per admin the same way, but not the retry of an applied adjustment', async () => {
    const admin = await stack.token(`busy-admin-${randomUUID().slice(0, 8)}`, ['admin']);
    const adjust = () => stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 5, reason: 'delivery 7' }, headers: { 'idempotency-key': 'delivery-7' } });
    const applied = await adjust();
    expect(applied.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < WRITES_PER_WINDOW + 1; i += 1) {
      const body = { sku: uniqueSku('LIMIT'), name: 'Rate-limited lamp', priceCents: 100, initialStock: 1 };
      statuses.push((await stack.request('POST', '/products', { token: admin, body, baseUrl: replicas[i % 2] })).status);
    }
    expect(statuses).toEqual([...Array(WRITES_PER_WINDOW - 1).fill(201), 429, 429]);
    expect(await adjust()).toMatchObject({ status: 200, body: applied.body });
  });

  it('lets orders through, and logs it, while the limiter cannot reach its store', async () => {
    const token = await stack.token(greedy);
    await limiterStore.cut();
    try {
      for (const baseUrl of replicas) {
        expect((await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] }, baseUrl })).status).toBe(202);
      }
      const log = path.join(ROOT, '.data', 'test', 'logs', 'rate-limit.log');
      await vi.waitFor(async () => expect(await readFile(log, 'utf8')).toContain('rate limiter unavailable'), { timeout: 10_000, interval: 100 });
    } finally {
      await limiterStore.restore();
    }
    // Back in reach, the limit holds again.
    expect((await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] } })).status).toBe(429);
  });
});
