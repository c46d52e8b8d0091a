import type { temporal } from '@temporalio/proto';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { beforeAll, expect, it } from 'vitest';
import { createStockedProduct } from '../test/support/catalog.js';
import { placeOrderInput, startPlaceOrder } from '../test/support/place-order.js';
import { recordFixture } from '../test/support/fixtures.js';
import { replay } from '../test/support/replay.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';
import { cancelOrder, getOrderState } from './place-order.contract.js';
import type { PlaceOrder } from './place-order.js';

// A query answered while the first local activity (recordOrder) runs makes the worker end that
// workflow task with the local activity's marker and go on in the next one. On replay, Core
// resolves the local activity within the earlier task, so what the workflow does right after it
// runs one task early. These histories must replay all the same (see Versioning in place-order.ts).
const testbed = useWorkflowTestbed();
let client: Client;

beforeAll(() => {
  client = new Client({ connection: testbed.env.connection, dataConverter: testDataConverter });
});

/** Rounds until this many histories split (a sixth to a third of orders on this machine), at most MAX_ROUNDS. */
const SPLITS_WANTED = 5;
const MAX_ROUNDS = 40;
const ORDERS_PER_ROUND = 5;

const place = (sku: string) => startPlaceOrder(client, placeOrderInput([{ sku, quantity: 1 }]));

/** Queries back to back until the order is decided, so that some arrive while recordOrder runs. */
async function queryUntilDecided(handle: WorkflowHandle<typeof PlaceOrder>): Promise<string> {
  for (;;) {
    const { status } = await handle.query(getOrderState);
    if (status !== 'PENDING') return status;
  }
}

/** Whether the workflow task that recorded the first local activity's marker ended right after it. */
function splitAfterFirstLocalActivity(events: temporal.api.history.v1.IHistoryEvent[]): boolean {
  const marker = events.findIndex((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  return marker >= 0 && events[marker + 1]?.workflowTaskScheduledEventAttributes != null;
}

it('histories whose first workflow task ended right after the local activity replay', async () => {
  const sku = await createStockedProduct(testbed.dbs, { stock: MAX_ROUNDS * ORDERS_PER_ROUND });
  const outcomes: { workflowId: string; status: string; split: boolean; replayed: string }[] = [];
  const splits = () => outcomes.filter((outcome) => outcome.split).length;
  for (let round = 0; round < MAX_ROUNDS && splits() < SPLITS_WANTED; round += 1) {
    // Every fifth order names a product the catalogue does not have: rejected, not confirmed.
    const handles = await Promise.all(Array.from({ length: ORDERS_PER_ROUND }, (_, i) => place(i === 0 ? 'NOT-IN-CATALOG' : sku)));
    const statuses = await Promise.all(handles.map(queryUntilDecided));
    for (const [i, handle] of handles.entries()) {
      const history = await handle.fetchHistory();
      const replayed = await replay(history, handle.workflowId, 'untraced', testDataConverter).then(
        () => 'ok',
        (error: unknown) => String(error),
      );
      outcomes.push({ workflowId: handle.workflowId, status: statuses[i]!, split: splitAfterFirstLocalActivity(history.events ?? []), replayed });
    }
  }
  // The case under test happened...
  expect(splits()).toBeGreaterThanOrEqual(SPLITS_WANTED);
  expect(new Set(outcomes.map((outcome) => outcome.status))).toEqual(new Set(['CONFIRMED', 'REJECTED']));
  // ...and every history replays, split or not.
  expect(outcomes.filter((outcome) => outcome.replayed !== 'ok')).toEqual([]);
  const split = outcomes.find((outcome) => outcome.split && outcome.status === 'CONFIRMED') ?? outcomes.find((outcome) => outcome.split)!;
  // A fixture is a history that ends: a confirmed order's run awaits its first shipment, so staff cancel it first.
  const handle = client.workflow.getHandle<typeof PlaceOrder>(split.workflowId);
  if (split.status === 'CONFIRMED') await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'replay-split-test', byStaff: true }] });
  await handle.result();
  await recordFixture(handle, 'place-order-split-after-record', testDataConverter.payloadCodecs![0]!);
}, 300_000);
