import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDatabases } from '../support/databases.js';
import { TASK_QUEUES } from '../../workers/task-queues.js';
import { activityTasksByWorker, countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

// Concurrency over HTTP with two inventory workers racing for the same rows.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
let raceOrderIds: string[] = [];

beforeAll(async () => {
  await smtp.start();
  stack = await TestStack.start({ name: 'no-oversell', smtpUrl: smtp.url, replicas: 'inventory=2' });
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

describe('no oversell', () => {
  it('200 concurrent orders for 50 in stock: exactly 50 CONFIRMED, 150 REJECTED(OUT_OF_STOCK)', async () => {
    const sku = await createProduct(stack, 50, 'RACE');
    const started = Date.now();
    const orderIds = await placeOrders(stack, singleLineOrders(sku, 200));
    raceOrderIds = orderIds;
    const outcomes = await settledOrders(stack.client, orderIds);
    console.info(`no-oversell: 200 orders settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    expect(countBy(outcomes.values(), (o) => `${o.status}${o.reason ? `(${o.reason})` : ''}`)).toEqual({
      CONFIRMED: 50,
      'REJECTED(OUT_OF_STOCK)': 150,
    });
    expect((await read(stack.api().inventory[':sku'].$get({ param: { sku } }))).body).toMatchObject({ onHand: 0, reserved: 0, available: 0, inStock: false });
    await expectConsistent(dbs, outcomes, { [sku]: 50 }, smtp);
  });

  it('multi-line orders competing for overlapping SKUs never leave a partial reservation', async () => {
    const skus = [await createProduct(stack, 20, 'RACE'), await createProduct(stack, 20, 'RACE'), await createProduct(stack, 20, 'RACE')];
    const [a, b, c] = skus as [string, string, string];
    const shapes = [
      [a, b],
      [b, c],
      [c, a],
      [a, b, c],
    ];
    const bodies = Array.from({ length: 60 }, (_, i) => ({
      lines: shapes[i % shapes.length]!.map((sku, j) => ({ sku, quantity: 1 + ((i + j) % 3) })),
    }));
    const orderIds = await placeOrders(stack, bodies);
    const outcomes = await settledOrders(stack.client, orderIds);
    const statuses = countBy(outcomes.values(), (o) => o.status);
    expect(statuses.CONFIRMED).toBeGreaterThan(0);
    expect(statuses.REJECTED).toBeGreaterThan(0);
    for (const outcome of outcomes.values()) if (outcome.status === 'REJECTED') expect(outcome.reason).toBe('OUT_OF_STOCK');
    await expectConsistent(dbs, outcomes, Object.fromEntries(skus.map((sku) => [sku, 20])), smtp);
  });

  it('spreads the inventory activities over both inventory worker replicas', async () => {
    expect(raceOrderIds).toHaveLength(200);
    const byWorker = await activityTasksByWorker(stack.client, raceOrderIds.map((id) => `order-${id}`), TASK_QUEUES.inventory);
    const identities = Object.keys(byWorker);
    console.info('inventory activity tasks per worker:', byWorker);
    expect(identities).toHaveLength(2);
    const pids = [stack.worker('inventory-1').child.pid, stack.worker('inventory-2').child.pid];
    expect(identities.map((identity) => Number(identity.split(':').pop())).sort()).toEqual(pids.sort());
    for (const count of Object.values(byWorker)) expect(count).toBeGreaterThan(0);
  });
});
