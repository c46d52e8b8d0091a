import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledOrders } from '../support/invariants.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// The guard for patches/@temporalio+worker+*.patch. Without it, every AsyncLocalStorage a workflow
// run used stayed as a property of the workflow thread's message port (about 3.5 per order), and
// each stack trace the SDK takes for a promise cost a little more than the one before: the order
// worker's CPU per order rose for as long as it ran (docs/performance.md, The soak).
const ORDERS = 60;
const probe = path.join(import.meta.dirname, '..', 'support', 'workflow-thread-probe.cjs');
const smtp = new SmtpSink();
let stack: TestStack;
let probeDir: string;

interface ProbeReading {
  workflowsCreated: number;
  storesOnPort: number;
  storesLandOnResources: boolean;
}

/** The order worker's workflow thread's latest reading (the probe writes one file per thread). */
async function workflowThreadReading(): Promise<ProbeReading> {
  const files = (await readdir(probeDir)).filter((name) => name.endsWith('.json'));
  expect(files, 'one workflow thread').toHaveLength(1);
  return JSON.parse(await readFile(path.join(probeDir, files[0]!), 'utf8')) as ProbeReading;
}

beforeAll(async () => {
  await smtp.start();
  probeDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-workflow-thread-'));
  stack = await TestStack.start({
    name: 'workflow-thread',
    smtpUrl: smtp.url,
    nodeArgs: ['--require', probe],
    // Each order's run ends at once, so every order is a new run in the thread.
    env: { WORKFLOW_THREAD_PROBE_DIR: probeDir, ORDER_CANCELLATION_WINDOW: '1ms' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  if (probeDir) await rm(probeDir, { recursive: true, force: true });
});

describe('the order worker\'s workflow thread', () => {
  it(`holds no more AsyncLocalStorage stores on its message port after ${ORDERS} more orders`, async () => {
    const sku = await createProduct(stack, 2 * ORDERS, 'THREAD');
    await settledOrders(stack.client, await placeOrders(stack, singleLineOrders(sku, 5), 'warm-up'));
    const before = await workflowThreadReading();
    // On a Node whose AsyncLocalStorage keeps stores off async resources (AsyncContextFrame), the
    // pile-up cannot happen: the patch can go, and this test with it.
    expect(before.storesLandOnResources, 'AsyncLocalStorage.run() leaves its store on the current async resource').toBe(true);
    await settledOrders(stack.client, await placeOrders(stack, singleLineOrders(sku, ORDERS)));
    const after = await workflowThreadReading();

    expect(after.workflowsCreated - before.workflowsCreated).toBeGreaterThanOrEqual(ORDERS);
    expect(after.storesOnPort, `stores on the port: ${before.storesOnPort} before, ${after.storesOnPort} after`).toBeLessThanOrEqual(before.storesOnPort);
  });
});
