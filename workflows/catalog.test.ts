import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { findStockLevel } from '../activities/inventory/repository.js';
import { findProduct } from '../activities/product/repository.js';
import { TASK_QUEUES } from '../common/task-queues.js';
import { uniqueSku } from '../test/support/databases.js';
import { useWorkflowTestbed } from '../test/support/temporal.js';
import type { AdjustStock, CreateProduct } from './catalog.js';

const testbed = useWorkflowTestbed();
const { dbs } = testbed;

const run = <T>(type: string, args: unknown[]) =>
  testbed.env.client.workflow.execute(type, { taskQueue: TASK_QUEUES.order, workflowId: `test-${type}-${randomUUID()}`, args }) as Promise<T>;

describe('CreateProduct', () => {
  it('creates the product and its stock record together, the stock ledger naming the admin', async () => {
    const sku = uniqueSku('WF');
    const created = await run<Awaited<ReturnType<typeof CreateProduct>>>('CreateProduct', [
      { product: { sku, name: 'Teapot', priceCents: 2500, currency: 'EUR' }, initialStock: 12, actor: 'admin-1' },
    ]);
    expect(created).toMatchObject({ product: { sku, name: 'Teapot', active: true }, stock: { onHand: 12, reserved: 0 } });
    expect(await findProduct(dbs.product, sku)).toMatchObject({ priceCents: 2500 });
    const ledger = await dbs.inventory.selectFrom('movements').select(['kind', 'actor']).where('sku', '=', sku).execute();
    expect(ledger).toEqual([{ kind: 'INITIAL', actor: 'admin-1' }]);
  });

  it('fails with PRODUCT_EXISTS for a taken SKU and leaves its stock alone', async () => {
    const sku = uniqueSku('WF');
    const input = { product: { sku, name: 'Cup', priceCents: 500, currency: 'EUR' }, initialStock: 3, actor: 'admin-1' };
    await run('CreateProduct', [input]);
    const second = await run('CreateProduct', [{ ...input, initialStock: 99 }]).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(WorkflowFailedError);
    expect((second as WorkflowFailedError).cause?.cause).toMatchObject({ type: 'PRODUCT_EXISTS' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 3 });
  });
});

describe('AdjustStock', () => {
  it('applies one request once, however many workflows carry it', async () => {
    const sku = uniqueSku('WF');
    await run('CreateProduct', [{ product: { sku, name: 'Jar', priceCents: 300, currency: 'EUR' }, initialStock: 1, actor: 'admin-1' }]);
    const request = { sku, delta: 4, reason: 'delivery', actor: 'admin-1', requestId: randomUUID() };
    const levels = await Promise.all([run<Awaited<ReturnType<typeof AdjustStock>>>('AdjustStock', [request]), run<Awaited<ReturnType<typeof AdjustStock>>>('AdjustStock', [request])]);
    expect(levels.map((level) => level.onHand)).toEqual([5, 5]);
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5 });
  });
});
