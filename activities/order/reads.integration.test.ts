import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStockedProduct } from '../../test/support/catalog.js';
import { serviceDatabases } from '../../test/support/databases.js';
import { recordFixture } from '../../test/support/fixtures.js';
import { placeOrderInput, startPlaceOrder } from '../../test/support/place-order.js';
import { testDataConverter, useWorkflowTestbed } from '../../test/support/temporal.js';
import { orderWorkflowId, PLACE_ORDER, placeOrderMemo } from '../../workflows/place-order.contract.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../../workflows/search-attributes.js';
import { createOrderReads, type OrderReads } from './reads.js';

// The order read port on a real PostgreSQL (the API's reader role) and a real Temporal: the
// record, and before there is one, what Temporal holds of the order.
const testbed = useWorkflowTestbed();
const readers = serviceDatabases('reader');
let reads: OrderReads;

beforeAll(() => {
  reads = createOrderReads(readers.order, testbed.env.client);
});
afterAll(() => readers.destroy());

/** A PlaceOrder started as the API starts it, on a task queue no worker polls: accepted, never recorded. */
async function acceptedButNotRecorded() {
  const input = placeOrderInput([{ sku: 'TEE-BLK-M', quantity: 2 }], { customerId: `cust-${randomUUID().slice(0, 8)}` });
  const handle = await testbed.env.client.workflow.start(PLACE_ORDER.workflowType, {
    taskQueue: `nobody-${randomUUID()}`,
    workflowId: orderWorkflowId(input.orderId),
    args: [input],
    memo: placeOrderMemo(input),
    typedSearchAttributes: [
      { key: CUSTOMER_ID, value: input.customerId },
      { key: ORDER_STATUS, value: 'PENDING' },
    ],
  });
  return { input, handle };
}

describe('the order read port', () => {
  it('answers the record once the order service has it, priced', async () => {
    const sku = await createStockedProduct(testbed.dbs, { priceCents: 1250 });
    const input = placeOrderInput([{ sku, quantity: 2 }]);
    await startPlaceOrder(testbed.env.client, input);
    expect(await reads.orderOnceDecided(input.orderId, 20)).toMatchObject({ status: 'CONFIRMED', totalCents: 2500, lines: [{ sku, name: `Product ${sku}`, unitPriceCents: 1250 }] });
    expect(await reads.record(input.orderId)).toMatchObject({ status: 'CONFIRMED', cancelledLines: [] });
  });

  it('answers an order accepted but not recorded from its workflow (no worker needed): PENDING, its lines, its customer', async () => {
    const { input, handle } = await acceptedButNotRecorded();
    try {
      expect(await reads.record(input.orderId)).toBeUndefined();
      expect(await reads.order(input.orderId)).toMatchObject({
        orderId: input.orderId,
        customerId: input.customerId,
        status: 'PENDING',
        lines: [{ sku: 'TEE-BLK-M', quantity: 2, name: null, unitPriceCents: null }],
        totalCents: null,
        cancelledLines: [],
      });
      // Still undecided when the wait is over: answered as it stands.
      expect(await reads.orderOnceDecided(input.orderId, 1)).toMatchObject({ status: 'PENDING' });
    } finally {
      await handle.terminate('test over');
    }
  });

  it('answers an order the order service refused to record (INVALID_DATA) from the workflow\'s result', async () => {
    // PostgreSQL refuses a NUL in text: the order can never be recorded.
    const input = placeOrderInput([{ sku: 'TEE-BLK-M', quantity: 1 }], { customerId: 'nul\u0000customer' });
    const handle = await startPlaceOrder(testbed.env.client, input);
    expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason: 'INVALID_DATA' });
    expect(await reads.record(input.orderId)).toBeUndefined();
    expect(await reads.order(input.orderId)).toMatchObject({ status: 'REJECTED', reason: 'INVALID_DATA', lines: [{ sku: 'TEE-BLK-M', name: null }], cancelledLines: [] });
    await recordFixture(handle, 'place-order-rejected-not-recorded', testDataConverter.payloadCodecs![0]!);
  });

  it('knows no order that was never placed', async () => {
    expect(await reads.order(randomUUID())).toBeUndefined();
  });
});
