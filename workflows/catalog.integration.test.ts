import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findStockLevel } from '../activities/inventory/repository.js';
import { findProduct } from '../activities/product/repository.js';
import { TASK_QUEUES } from '../workers/task-queues.js';
import { uniqueSku } from '../test/support/databases.js';
import { recordFixture } from '../test/support/fixtures.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';
import type { AdjustStock, CreateProduct } from './catalog.js';

const testbed = useWorkflowTestbed();
const { dbs } = testbed;

const start = (type: string, args: unknown[]) => testbed.env.client.workflow.start(type, { taskQueue: TASK_QUEUES.order, workflowId: `test-${type}-${randomUUID()}`, args });
const run = async <T>(type: string, args: unknown[]) => (await (await start(type, args)).result()) as T;

/** Runs a workflow whose history is the replay gate's fixture for this path. */
async function runRecorded<T>(fixture: string, type: string, args: unknown[]): Promise<T> {
  const handle = await start(type, args);
  const result = (await handle.result()) as T;
  await recordFixture(handle, fixture, testDataConverter.payloadCodecs![0]!);
  return result;
}

describe('CreateProduct', () => {
  it('creates the product and its stock record together, the stock ledger naming the admin', async () => {
    const sku = uniqueSku('WF');
    const created = await runRecorded<Awaited<ReturnType<typeof CreateProduct>>>('create-product', 'CreateProduct', [
      { product: { sku, name: 'Teapot', priceCents: 2500, currency: 'EUR' }, initialStock: 12, actor: 'admin-1' },
    ]);
    expect(created).toMatchObject({ ok: true, value: { product: { sku, name: 'Teapot', active: true }, stock: { onHand: 12, reserved: 0 } } });
    expect(await findProduct(dbs.product, sku)).toMatchObject({ priceCents: 2500 });
    const ledger = await dbs.inventory.selectFrom('movements').select(['kind', 'actor']).where('sku', '=', sku).execute();
    expect(ledger).toEqual([{ kind: 'INITIAL', actor: 'admin-1' }]);
  });

  it('refuses a taken SKU (PRODUCT_EXISTS) as its result, Completed, and leaves its stock alone', async () => {
    const sku = uniqueSku('WF');
    const input = { product: { sku, name: 'Cup', priceCents: 500, currency: 'EUR' }, initialStock: 3, actor: 'admin-1' };
    await run('CreateProduct', [input]);
    const second = await runRecorded('create-product-refused', 'CreateProduct', [{ ...input, initialStock: 99 }]);
    expect(second).toMatchObject({ ok: false, reason: 'PRODUCT_EXISTS' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 3 });
  });
});

describe('refusals are results: the run ends Completed', () => {
  it.each([
    ['UpdateProduct', () => [{ sku: uniqueSku('NONE'), changes: { name: 'x' } }], 'NOT_FOUND'],
    ['AdjustStock', () => [{ sku: uniqueSku('NONE'), delta: 1, reason: 'restock', actor: 'admin-1', requestId: randomUUID() }], 'NOT_FOUND'],
  ] as const)('%s', async (type, args, reason) => {
    const handle = await start(type, args());
    expect(await handle.result()).toMatchObject({ ok: false, reason });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await recordFixture(handle, `${type === 'UpdateProduct' ? 'update-product' : 'adjust-stock'}-refused`, testDataConverter.payloadCodecs![0]!);
  });

  it('AdjustStock refuses a write-off below what is reserved (INSUFFICIENT_STOCK)', async () => {
    const sku = uniqueSku('WF');
    await run('CreateProduct', [{ product: { sku, name: 'Bowl', priceCents: 300, currency: 'EUR' }, initialStock: 2, actor: 'admin-1' }]);
    const refused = await run('AdjustStock', [{ sku, delta: -3, reason: 'breakage', actor: 'admin-1', requestId: randomUUID() }]);
    expect(refused).toMatchObject({ ok: false, reason: 'INSUFFICIENT_STOCK' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 2 });
  });
});

describe('AdjustStock', () => {
  it('applies one request once, however many workflows carry it', async () => {
    const sku = uniqueSku('WF');
    await run('CreateProduct', [{ product: { sku, name: 'Jar', priceCents: 300, currency: 'EUR' }, initialStock: 1, actor: 'admin-1' }]);
    const request = { sku, delta: 4, reason: 'delivery', actor: 'admin-1', requestId: randomUUID() };
    const levels = await Promise.all([runRecorded<Awaited<ReturnType<typeof AdjustStock>>>('adjust-stock', 'AdjustStock', [request]), run<Awaited<ReturnType<typeof AdjustStock>>>('AdjustStock', [request])]);
    expect(levels.map((level) => (level.ok ? level.value.onHand : level.reason))).toEqual([5, 5]);
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5 });
  });
});
