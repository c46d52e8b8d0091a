import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { StockAdjustment, StockLevel } from '../activities/inventory/contract.js';
import { freePorts } from '../common/free-port.js';
import type { Outcome } from '../common/outcome.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { startTemporalDevServer } from '../dev/temporal-server.js';
import { testDataConverter } from '../test/support/temporal.js';
import { createServiceWorker } from '../workers/bootstrap.js';
import { TASK_QUEUES } from '../workers/task-queues.js';
import type { AdjustStock } from './catalog.js';

// The dev server, started as the app starts it (dev/temporal-server.ts), honours task priority:
// a staff task enqueued after a backlog of orders' tasks is dispatched first. Without the
// priority-enabled matcher, the same backlog is first in, first out. AdjustStock is one activity
// on the inventory queue that inherits the workflow's priority; here the inventory worker is a
// stand-in with one slot that writes down the order it is given the tasks in.

const BACKLOG = 20;
const ACTIVITY = 2; // temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY

/** Every task of the queue in one partition, so that one poller sees the whole backlog; describe's stats fresh. */
const ONE_PARTITION = { 'matching.numTaskqueueReadPartitions': 1, 'matching.numTaskqueueWritePartitions': 1, 'matching.TaskQueueInfoByBuildIdTTL': '10ms' };

async function dispatchOrder(dynamicConfig: Record<string, string | number | boolean>): Promise<{ backlog: string[]; staff: string; executed: string[] }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-priority-'));
  const [port, uiPort] = (await freePorts(2)) as [number, number];
  const server = await startTemporalDevServer({ binary: inject('temporalBinary'), dbFile: path.join(dataDir, 'temporal.db'), port, uiPort, headless: true, dynamicConfig: { ...ONE_PARTITION, ...dynamicConfig }, onLine: () => {} });
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, dataConverter: testDataConverter });
  const running: Array<{ worker: Worker; done: Promise<void> }> = [];
  const run = (worker: Worker) => running.push({ worker, done: worker.run() });
  try {
    const common = { connection: nativeConnection, namespace: 'default', dataConverter: testDataConverter };
    // The workflows run at once; their activities wait on the inventory queue, where nothing polls yet.
    run(await createServiceWorker({ ...common, service: 'order', activities: {}, workflowBundlePath: inject('workflowBundlePath') }));
    const adjust = (requestId: string, staff: boolean) =>
      client.workflow.start<typeof AdjustStock>('AdjustStock', {
        taskQueue: TASK_QUEUES.order,
        workflowId: `stock-adjust-${requestId}`,
        args: [{ sku: 'SKU-1', delta: 1, reason: 'priority test', actor: 'test', requestId }],
        ...(staff && { priority: INTERACTIVE_PRIORITY }),
      });
    const backlogged = async (count: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { stats } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUES.inventory }, taskQueueType: ACTIVITY, reportStats: true });
        const backlog = Number(stats?.approximateBacklogCount ?? 0);
        if (backlog >= count) return;
        if (Date.now() > deadline) throw new Error(`the inventory queue's backlog is ${backlog} after 20 s, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const backlog = Array.from({ length: BACKLOG }, (_, i) => `bulk-${i}`);
    const handles = await Promise.all(backlog.map((id) => adjust(id, false)));
    await backlogged(BACKLOG);
    const staff = 'staff';
    handles.push(await adjust(staff, true));
    await backlogged(BACKLOG + 1);

    // One slot: the worker takes one task at a time, in the order matching hands them out.
    const executed: string[] = [];
    const adjustStock = async ({ sku, requestId }: StockAdjustment): Promise<Outcome<StockLevel>> => {
      executed.push(requestId);
      return { ok: true, value: { sku, onHand: 1, reserved: 0, available: 1, inStock: true } };
    };
    run(await createServiceWorker({ ...common, service: 'inventory', activities: { adjustStock }, extra: { maxConcurrentActivityTaskExecutions: 1 } }));
    await Promise.all(handles.map((handle) => handle.result()));
    return { backlog, staff, executed };
  } finally {
    for (const { worker } of running) worker.shutdown();
    await Promise.all(running.map(({ done }) => done));
    await nativeConnection.close();
    await connection.close();
    await server.stop(5_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('task priority on the dev server', () => {
  beforeAll(() => Runtime.install({ logger: new DefaultLogger('ERROR') }));

  it('with the app\'s settings: a staff task enqueued behind a backlog of default-priority tasks runs first', async () => {
    const { backlog, staff, executed } = await dispatchOrder({});
    expect(executed[0]).toBe(staff);
    expect(executed.slice(1).sort()).toEqual([...backlog].sort());
  });

  it('without the priority-enabled matcher (server 1.29\'s default): the same backlog is first in, first out, the staff task last', async () => {
    const { backlog, staff, executed } = await dispatchOrder({ 'matching.useNewMatcher': false });
    expect(executed.at(-1)).toBe(staff);
    expect(executed.slice(0, -1).sort()).toEqual([...backlog].sort());
  });
});
