import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findStockLevel } from '../activities/inventory/repository.js';
import { TEST_PAYMENT_METHODS } from '../activities/payment/contract.js';
import { sandboxLedger } from '../activities/payment/providers/sandbox.js';
import { createStockedProduct } from '../test/support/catalog.js';
import { recordFixture } from '../test/support/fixtures.js';
import { placeOrderInput, startPlaceOrder } from '../test/support/place-order.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';

// A provider whose authorisations hold for 3 s (Stripe's: 7 days): the saga's capture deadline, a
// tenth of the hold before it lapses, passes before anyone ships.
const testbed = useWorkflowTestbed({ authorisationValidityMs: 3_000 });
const { dbs, smtp } = testbed;

describe('PlaceOrder, an authorisation that would lapse before the order ships', () => {
  it('cancels the order: the authorisation voided, the stock released, the customer told', async () => {
    const sku = await createStockedProduct(dbs, { stock: 4 });
    const order = placeOrderInput([{ sku, quantity: 3 }], { customerId: `cust-${randomUUID().slice(0, 8)}`, payment: { method: TEST_PAYMENT_METHODS.succeeds } });
    const handle = await startPlaceOrder(testbed.env.client, order);

    expect(await handle.result()).toMatchObject({ status: 'CANCELLED', reason: 'the payment authorisation lapses before the order shipped' });
    expect((await sandboxLedger(testbed.paymentSandbox.url, order.orderId)).map((entry) => entry.kind)).toEqual(['authorisation', 'void']);
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 4, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 2);
    expect(smtp.forOrder(order.orderId).map((mail) => mail.parsed.subject).sort()).toEqual([`Order ${order.orderId} cancelled`, `Order ${order.orderId} confirmed`]);
    await recordFixture(handle, 'place-order-authorisation-lapsed', testDataConverter.payloadCodecs![0]!);
  });
});
