import { temporal } from '@temporalio/proto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { SERVICES } from '../../common/config.js';
import { serviceDatabases } from '../support/databases.js';
import { countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// kill -9 of a worker of each service while orders are in flight. Temporal retries the dead
// worker's tasks (after their start-to-close timeout) on another poller of the same queue.
const ORDERS = 40;
const STOCK = 30;
const smtp = new SmtpSink();
const dbs = serviceDatabases();

beforeAll(async () => {
  await smtp.start();
});
afterAll(async () => {
  await smtp.stop();
  await dbs.destroy();
});

/** Places a burst of paid orders for one SKU (more than its stock, so both outcomes occur) and returns their IDs. */
async function burst(stack: TestStack) {
  const sku = await createProduct(stack, STOCK, 'CRASH');
  const orderIds = await placeOrders(stack, singleLineOrders(sku, ORDERS).map((body) => ({ ...body, payment: { method: TEST_PAYMENT_METHODS.succeeds } })));
  return { sku, orderIds };
}

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/**
 * kill -9 of `<service>-1`. An activity worker is killed, where we can, while it runs an
 * activity: the orders' pending activities are swept until one is STARTED on it. Says what
 * the worker was doing (an activity may still finish between the sweep and the kill).
 */
async function killBusy(stack: TestStack, service: string, orderIds: string[]): Promise<string> {
  const victim = stack.worker(`${service}-1`);
  if (service === 'order') {
    await victim.kill();
    return 'holding workflow tasks';
  }
  const identity = new RegExp(`:${victim.child.pid}$`);
  const deadline = Date.now() + 5_000;
  let caught = false;
  while (!caught && Date.now() < deadline) {
    const descriptions = await Promise.all(orderIds.map((id) => stack.client.workflow.getHandle(`order-${id}`).describe()));
    caught = descriptions.some(({ raw }) =>
      (raw.pendingActivities ?? []).some((activity) => activity.state === STARTED && identity.test(activity.lastWorkerIdentity ?? '')),
    );
  }
  await victim.kill();
  return caught ? 'mid-activity' : 'between activities';
}

async function settleAndCheck(stack: TestStack, sku: string, orderIds: string[], label: string, started: number, mailerKilledMidSend: boolean) {
  const outcomes = await settledOrders(stack.client, orderIds);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.info(`${label}: ${orderIds.length} orders settled in ${seconds} s`, countBy(outcomes.values(), (o) => o.status));
  expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: STOCK, REJECTED: ORDERS - STOCK });
  await expectConsistent(dbs, outcomes, { [sku]: STOCK }, smtp, { mailerKilledMidSend });
}

describe('two replicas of each worker, one killed mid-flight', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await TestStack.start({
      name: 'crash-two-replicas',
      smtpUrl: smtp.url,
      replicas: SERVICES.map((service) => `${service}=2`).join(','),
    });
  });
  afterAll(() => stack?.stop());

  for (const service of SERVICES) {
    it(`loses nothing when worker ${service}-1 of two dies`, async () => {
      const started = Date.now();
      const { sku, orderIds } = await burst(stack);
      const busy = await killBusy(stack, service, orderIds);
      await settleAndCheck(stack, sku, orderIds, `${service}-1 killed (${busy}), ${service}-2 carried on`, started, service === 'notification' && busy === 'mid-activity');
      // Back to two replicas for the next service.
      stack.startWorker(service, 1);
    });
  }
});

describe('a single replica killed and restarted', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await TestStack.start({ name: 'crash-restart', smtpUrl: smtp.url });
  });
  afterAll(() => stack?.stop());
  afterEach(() => {
    for (const service of SERVICES) expect(stack.worker(`${service}-1`).child.exitCode, `${service}-1 running`).toBeNull();
  });

  for (const service of SERVICES) {
    it(`loses nothing when the only ${service} worker dies and comes back`, async () => {
      const started = Date.now();
      const { sku, orderIds } = await burst(stack);
      const busy = await killBusy(stack, service, orderIds);
      stack.startWorker(service, 1);
      await settleAndCheck(stack, sku, orderIds, `only ${service} worker killed (${busy}) and restarted`, started, service === 'notification' && busy === 'mid-activity');
    });
  }
});
