import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlaceOrderInput } from './place-order.contract.js';
import { startTelemetry, type Telemetry } from '../common/telemetry.js';
import { createStockedProduct } from '../test/support/catalog.js';
import { placeOrderInput, startPlaceOrder } from '../test/support/place-order.js';
import { replay } from '../test/support/replay.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';
import { cancelOrder, getOrderState } from './place-order.contract.js';
import type { PlaceOrder } from './place-order.js';

// Queries and update validators run on the worker but are never replayed, so whatever they draw
// from a workflow's random streams is drawn once when recorded and not at all on replay
// (temporalio/sdk-typescript#2023: with the v1 OpenTelemetry interceptors their spans shifted
// Math.random and uuid4). These histories are recorded with tracing on, queried and updated
// between the steps that make spans, and must replay with tracing on and off.
const testbed = useWorkflowTestbed();
let telemetry: Telemetry;
let client: Client;

beforeAll(() => {
  // As in the API and the workers: a tracer provider (exporting nothing) and the plugin on the client.
  telemetry = startTelemetry('orderflow-replay-test', {});
  client = new Client({ connection: testbed.env.connection, dataConverter: testDataConverter, plugins: [telemetry.temporalPlugin] });
});
afterAll(() => telemetry?.shutdown());

const place = (lines: PlaceOrderInput['lines']) => startPlaceOrder(client, placeOrderInput(lines));

const untilStatus = (handle: WorkflowHandle<typeof PlaceOrder>, status: string) =>
  vi.waitFor(async () => expect((await handle.query(getOrderState)).status).toBe(status), { timeout: 20_000, interval: 50 });

async function queryAFewTimes(handle: WorkflowHandle<typeof PlaceOrder>) {
  for (let i = 0; i < 3; i += 1) await handle.query(getOrderState);
}

async function expectReplaysBothWays(handle: WorkflowHandle<typeof PlaceOrder>) {
  const history = await handle.fetchHistory();
  const scheduled = history.events?.find((event) => event.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes;
  // Recorded with tracing on: the trace context travels in the activities' headers.
  expect(scheduled?.header?.fields?.['_tracer-data']).toBeDefined();
  await expect(replay(history, handle.workflowId, 'traced', testDataConverter)).resolves.toBeUndefined();
  await expect(replay(history, handle.workflowId, 'untraced', testDataConverter)).resolves.toBeUndefined();
}

describe('histories recorded with tracing on replay with tracing on and off (queries, update validators)', () => {
  it('an accepted cancel (validator, then handler and compensation) after queries', async () => {
    const sku = await createStockedProduct(testbed.dbs, { stock: 5 });
    const handle = await place([{ sku, quantity: 2 }]);
    await untilStatus(handle, 'CONFIRMED');
    await queryAFewTimes(handle);
    // The validator's span is made now and never on replay; the release, cancel and email after it still are.
    expect(await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] })).toMatchObject({ status: 'CANCELLED' });
    await handle.result();
    const history = await handle.fetchHistory();
    expect(history.events?.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toBe(true);
    await expectReplaysBothWays(handle);
  });

  it('a refused cancel (validator only: nothing in history) while the rejection email waits for SMTP', async () => {
    const { smtp } = testbed;
    const port = smtp.port;
    await smtp.stop();
    let down = true;
    try {
      const handle = await place([{ sku: 'NOT-IN-CATALOG', quantity: 1 }]);
      await untilStatus(handle, 'REJECTED');
      await queryAFewTimes(handle);
      const refusal = await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      await smtp.start(port);
      down = false;
      expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
      await expectReplaysBothWays(handle);
    } finally {
      if (down) await smtp.start(port);
    }
  });
});
