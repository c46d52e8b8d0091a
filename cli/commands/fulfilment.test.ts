import { beforeEach, describe, expect, it } from 'vitest';
import { fulfilmentIdFor } from '../../api/order-workflows.js';
import { cliInMemory } from '../../test/support/cli-in-memory.js';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { recordFulfilment } from '../../test/support/fulfilment-workflow.js';
import { order } from '../../test/support/memory-reads.js';
import { runCli } from '../program.js';

// `orderflow orders ship|deliver|receive-return` against the real HTTP app in memory: the CLI's
// fetch is routed to app.request() (no network), so what it sends goes through the real routes
// and reaches the fake Temporal client, whose Updates a fake workflow records.
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const API = 'http://orderflow.test';

let app: FastApp;
const output = cliInMemory(() => app);
let operator: string;

beforeEach(async () => {
  app = fastApp();
  app.store.orders.push(order(ORDER_ID, 'alice', { lines: [{ sku: 'LAMP-1', name: 'Lamp', quantity: 2, unitPriceCents: 1_000, lineTotalCents: 2_000 }], totalCents: 2_000 }));
  recordFulfilment(app);
  operator = await app.token('ops', ['operator']);
});

/** Runs `orderflow --api-url … --token <operator> <args>`; the exit code it set (0 when none). */
async function orderflow(...args: string[]): Promise<number> {
  await runCli(['--api-url', API, '--token', operator, ...args]);
  return Number(process.exitCode ?? 0);
}

describe('orderflow orders ship', () => {
  it('without a key: makes one, prints it for a retry, and prints the order with its shipment', async () => {
    expect(await orderflow('orders', 'ship', ORDER_ID, '--carrier', 'DHL', '--tracking', 'JD0001'), output.stderr).toBe(0);
    const key = /idempotency key: (\S+) \(to retry this shipment: --idempotency-key \1\)/.exec(output.stderr)?.[1];
    expect(key).toBeDefined();
    const shipmentId = fulfilmentIdFor('shipment', ORDER_ID, key!);
    expect(app.temporal.updates).toEqual([
      { workflowId: `order-${ORDER_ID}`, update: 'shipOrder', updateId: `ship-${shipmentId}`, args: [{ shipmentId, carrier: 'DHL', trackingNumber: 'JD0001', requestedBy: 'ops' }] },
    ]);
    expect(output.stdout).toMatch(new RegExp(`${shipmentId}.+LAMP-1 ×2.+DHL.+JD0001`));
  });

  it('with a key and lines: a retry sends the same Update ID; --json prints the order', async () => {
    const ship = ['orders', 'ship', ORDER_ID, '--carrier', 'DHL', '--tracking', 'JD0001', '--line', 'LAMP-1=1', '--line', 'DESK-1=3', '--idempotency-key', 'box-7', '--json'];
    expect(await orderflow(...ship), output.stderr).toBe(0);
    expect(await orderflow(...ship), output.stderr).toBe(0);
    // A key given is not printed: the operator has it.
    expect(output.stderr).toBe('');
    const [first, again] = app.temporal.updates;
    expect(again).toEqual(first);
    expect(first).toMatchObject({ updateId: `ship-${fulfilmentIdFor('shipment', ORDER_ID, 'box-7')}`, args: [{ lines: [{ sku: 'LAMP-1', quantity: 1 }, { sku: 'DESK-1', quantity: 3 }] }] });
    const printed = JSON.parse(output.stdout.slice(output.stdout.lastIndexOf('\n{') + 1));
    expect(printed).toMatchObject({ orderId: ORDER_ID, shipments: [{ carrier: 'DHL', lines: [{ sku: 'LAMP-1', quantity: 1 }, { sku: 'DESK-1', quantity: 3 }] }] });
  });

  it.each([['LAMP-1'], ['LAMP-1=0'], ['LAMP-1=-1'], ['LAMP-1=1.5'], ['=2']])('--line %s is a usage error that sends nothing', async (line) => {
    expect(await orderflow('orders', 'ship', ORDER_ID, '--carrier', 'DHL', '--tracking', 'JD0001', '--line', line)).toBe(2);
    expect(output.stderr).toContain('--line must be SKU=QUANTITY');
    expect(app.temporal.untouched).toBe(true);
  });

  it("the API's refusal is an error line with its code, exit 1", async () => {
    app.store.orders.length = 0;
    expect(await orderflow('orders', 'ship', ORDER_ID, '--carrier', 'DHL', '--tracking', 'JD0001', '--idempotency-key', 'k')).toBe(1);
    expect(output.stderr).toBe(`error: NOT_FOUND: Order ${ORDER_ID} not found\n`);
  });
});

describe('orderflow orders show', () => {
  it('prints the units cancelled as never shipping, and nothing of them when there are none', async () => {
    expect(await orderflow('orders', 'show', ORDER_ID), output.stderr).toBe(0);
    expect(output.stdout).not.toContain('cancelled');
    output.stdout = '';
    app.store.orders[0]!.cancelledLines.push({ sku: 'LAMP-1', quantity: 1 });
    expect(await orderflow('orders', 'show', ORDER_ID), output.stderr).toBe(0);
    expect(output.stdout).toMatch(/^cancelled: +LAMP-1 ×1 \(never shipped\)$/m);
  });
});

describe('orderflow orders deliver and receive-return', () => {
  it('deliver sends deliverShipment for the shipment and prints it delivered', async () => {
    await orderflow('orders', 'ship', ORDER_ID, '--carrier', 'DHL', '--tracking', 'JD0001', '--idempotency-key', 'box-1');
    const shipmentId = fulfilmentIdFor('shipment', ORDER_ID, 'box-1');
    output.stdout = '';
    expect(await orderflow('orders', 'deliver', ORDER_ID, shipmentId), output.stderr).toBe(0);
    expect(app.temporal.updates.at(-1)).toEqual({ workflowId: `order-${ORDER_ID}`, update: 'deliverShipment', updateId: `deliver-${shipmentId}`, args: [{ shipmentId, requestedBy: 'ops' }] });
    expect(output.stdout).toMatch(new RegExp(`${shipmentId}.+2026-12-07 10:00:00Z.+2026-12-07 10:00:00Z`));
  });

  it('receive-return restocks by default; --no-restock says not to', async () => {
    const returnId = '3eac9d6b-8d76-4f6b-a08a-9d3f4e5a6b72';
    app.store.orders[0]!.returns.push({ returnId, lines: [{ sku: 'LAMP-1', quantity: 1 }], reason: 'broken', requestedAt: '2026-12-07T09:30:00.000Z', receivedAt: null, restocked: null, refundCents: null });
    expect(await orderflow('orders', 'receive-return', ORDER_ID, returnId, '--no-restock', '--json'), output.stderr).toBe(0);
    expect(app.temporal.updates).toEqual([{ workflowId: `order-${ORDER_ID}`, update: 'receiveReturn', updateId: `receive-${returnId}`, args: [{ returnId, restock: false, requestedBy: 'ops' }] }]);
    expect(JSON.parse(output.stdout).returns[0]).toMatchObject({ returnId, restocked: false, refundCents: 1_000 });
    expect(await orderflow('orders', 'receive-return', ORDER_ID, returnId)).toBe(1);
    expect(app.temporal.updates.at(-1)!.args).toEqual([{ returnId, restock: true, requestedBy: 'ops' }]);
    expect(output.stderr).toContain(`error: CONFLICT: Return ${returnId} was already received with restock: false`);
  });

  it('a shipment ID that is not a UUID is refused by the API with a usage exit code', async () => {
    expect(await orderflow('orders', 'deliver', ORDER_ID, 'box-1')).toBe(2);
    expect(output.stderr).toMatch(/^error: VALIDATION_FAILED/);
    expect(app.temporal.untouched).toBe(true);
  });
});
