import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it, vi } from 'vitest';
import { findStockLevel } from '../activities/inventory/repository.js';
import type { PlaceOrderInput } from './place-order.contract.js';
import { findOrder } from '../activities/order/repository.js';
import { TASK_QUEUES } from '../workers/task-queues.js';
import { createStockedProduct } from '../test/support/catalog.js';
import { placeOrderInput, startPlaceOrder } from '../test/support/place-order.js';
import { testDataConverter, useWorkflowTestbed } from '../test/support/temporal.js';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { cancelOrder, getOrderState } from './place-order.contract.js';
import type { PlaceOrder } from './place-order.js';
import { ORDER_STATUS } from './search-attributes.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { recordFixture } from '../test/support/fixtures.js';
import { untilOrderDecided } from '../test/support/order-decided.js';

const testbed = useWorkflowTestbed();
const { dbs, smtp } = testbed;
const codec = testDataConverter.payloadCodecs![0]!;

// A confirmed order's run does not end with its cancellation window (it awaits its first
// shipment): tests of a confirmed order wait for its confirmation email instead of the run's end.
const input = (lines: PlaceOrderInput['lines']) => placeOrderInput(lines, { customerId: `cust-${randomUUID().slice(0, 8)}` });

const place = (order: PlaceOrderInput) => startPlaceOrder(testbed.env.client, order);

describe('PlaceOrder', () => {
  it('confirms an order: prices snapshotted, stock committed, customer emailed, then awaits its first shipment', async () => {
    const [tee, mug] = [await createStockedProduct(dbs, { priceCents: 1999, stock: 10 }), await createStockedProduct(dbs, { priceCents: 1250, stock: 3 })];
    const order = input([{ sku: tee, quantity: 2 }, { sku: mug, quantity: 3 }]);
    const handle = await place(order);
    // Decided and emailed: the confirmation email's activity completed; the run goes on.
    expect(await untilOrderDecided(testbed.env.client, handle.workflowId)).toBe('open');
    const result = await handle.query(getOrderState);

    expect(result).toMatchObject({ status: 'CONFIRMED', cancellable: true, priced: { totalCents: 2 * 1999 + 3 * 1250, currency: 'EUR' } });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'CONFIRMED', totalCents: 7748 });
    expect(await findStockLevel(dbs.inventory, tee)).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await findStockLevel(dbs.inventory, mug)).toMatchObject({ onHand: 0, reserved: 0, inStock: false });

    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 1);
    const [mail] = smtp.forOrder(order.orderId);
    expect(mail!.envelopeTo).toEqual(['dana@example.com']);
    expect(mail!.parsed.subject).toBe(`Order ${order.orderId} confirmed`);
    expect(mail!.parsed.text).toContain(`2 x Product ${tee} (${tee})`);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(ORDER_STATUS)).toBe('CONFIRMED');
    expect(description.status.name).toBe('RUNNING');
    expect(await handle.query(getOrderState)).toMatchObject({ status: 'CONFIRMED', customerId: order.customerId });
    // No fixture from here: the run has not ended (place-order-confirmed.json, recorded when a
    // confirmed order ended with its window, stays as the replay gate's history of that branch).
  });

  it('rejects an order it cannot fill, without touching stock, and says so by email', async () => {
    const [plenty, scarce] = [await createStockedProduct(dbs, { stock: 10 }), await createStockedProduct(dbs, { stock: 1 })];
    const order = input([{ sku: plenty, quantity: 1 }, { sku: scarce, quantity: 2 }]);
    const handle = await place(order);
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(await findStockLevel(dbs.inventory, plenty)).toMatchObject({ onHand: 10, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 1);
    expect(smtp.forOrder(order.orderId)[0]!.parsed.subject).toContain('could not be placed');
    await recordFixture(handle, 'place-order-rejected-out-of-stock', codec);
  });

  it('gives back stock reserved for an order that pricing rejects (they run at the same time): a rejected order holds nothing', async () => {
    const [onSale, withdrawn] = [await createStockedProduct(dbs, { stock: 4 }), await createStockedProduct(dbs, { stock: 4 })];
    await dbs.product.updateTable('products').set({ active: false }).where('sku', '=', withdrawn).execute();
    const order = input([{ sku: onSale, quantity: 1 }, { sku: withdrawn, quantity: 2 }]);
    const handle = await place(order);
    expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason: 'INACTIVE_PRODUCT' });
    expect((await movementsOf(order.orderId)).map((m) => m.kind)).toEqual(['RESERVE', 'RESERVE', 'RELEASE', 'RELEASE']);
    for (const sku of [onSale, withdrawn]) expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 4, reserved: 0 });
    await recordFixture(handle, 'place-order-rejected-inactive-released', codec);
  });

  it('rejects an unknown product', async () => {
    const handle = await place(input([{ sku: 'NOT-IN-CATALOG', quantity: 1 }]));
    expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
    await recordFixture(handle, 'place-order-rejected-unknown-product', codec);
  });

  it('keeps customer data out of Temporal in plaintext: every payload in history is encrypted', async () => {
    const order = input([{ sku: await createStockedProduct(dbs), quantity: 1 }]);
    const handle = await place(order);
    // Every step of the order, its confirmation email included, is in the history by then.
    expect(await untilOrderDecided(testbed.env.client, handle.workflowId)).toBe('open');
    const raw = JSON.stringify((await handle.fetchHistory()).events);
    expect(raw).not.toContain('dana@example.com');
    const started = (await handle.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(started!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  });

  it('replays its own history deterministically against the current bundle', async () => {
    const order = input([{ sku: await createStockedProduct(dbs), quantity: 1 }]);
    const handle = await place(order);
    // Up to where a confirmed order waits for its first shipment: confirmed, committed, emailed.
    expect(await untilOrderDecided(testbed.env.client, handle.workflowId)).toBe('open');
    const history = await handle.fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter, replayName: 'place-order-test' },
        history,
        handle.workflowId,
      ),
    ).resolves.toBeUndefined();
  });
});

/** Polls the workflow's status query until the order reaches `status`. */
const untilStatus = (handle: WorkflowHandle<typeof PlaceOrder>, status: string) =>
  vi.waitFor(async () => expect((await handle.query(getOrderState)).status).toBe(status), { timeout: 20_000, interval: 25 });

/** Both emails of an order cancelled after confirmation arrived, each once. */
async function expectConfirmedThenCancelledEmails(orderId: string) {
  await smtp.waitFor(() => smtp.forOrder(orderId).length === 2);
  expect(smtp.forOrder(orderId).map((mail) => mail.parsed.subject).sort()).toEqual([`Order ${orderId} cancelled`, `Order ${orderId} confirmed`]);
}

const movementsOf = (orderId: string) =>
  dbs.inventory.selectFrom('movements').select(['kind', 'on_hand_delta', 'reserved_delta']).where('order_id', '=', orderId).orderBy('id').execute();

describe('PlaceOrder cancellation (the cancelOrder Update)', () => {
  it('cancels a PENDING order before it reserves anything', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const order = input([{ sku, quantity: 2 }]);
    // Update-with-start delivers the cancel in the workflow's first task, while the order is PENDING.
    const start = new WithStartWorkflowOperation<typeof PlaceOrder>('PlaceOrder', {
      taskQueue: TASK_QUEUES.order,
      workflowId: `order-${order.orderId}`,
      args: [order],
      workflowIdConflictPolicy: 'FAIL',
    });
    const answer = await testbed.env.client.workflow.executeUpdateWithStart(cancelOrder, { args: [{ requestedBy: 'dana' }], startWorkflowOperation: start });

    expect(answer).toMatchObject({ status: 'CANCELLED', cancellable: false });
    expect(await (await start.workflowHandle()).result()).toMatchObject({ status: 'CANCELLED' });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'CANCELLED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await movementsOf(order.orderId)).toEqual([]);
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 1);
    expect(smtp.forOrder(order.orderId)[0]!.parsed.subject).toBe(`Order ${order.orderId} cancelled`);
    await recordFixture(await start.workflowHandle(), 'place-order-cancelled-while-pending', codec);
  });

  it('cancels a CONFIRMED order inside its window: stock back, both emails once', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const order = input([{ sku, quantity: 2 }]);
    const handle = await place(order);
    await untilStatus(handle, 'CONFIRMED');
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 3, reserved: 0 });

    expect(await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] })).toMatchObject({ status: 'CANCELLED' });
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'CANCELLED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5, reserved: 0 });
    await expectConfirmedThenCancelledEmails(order.orderId);
    // What the cancel waits for runs ahead of a burst's orders; the order's own steps and emails at the default.
    const priorities = ((await handle.fetchHistory()).events ?? [])
      .map((event) => event.activityTaskScheduledEventAttributes)
      .filter((scheduled) => scheduled !== null && scheduled !== undefined)
      .map((scheduled) => [scheduled.activityType?.name, scheduled.priority?.priorityKey ?? 0]);
    const byType = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(priorities.sort(byType)).toEqual(
      [
        ['priceOrder', 0],
        ['reserveOrderStock', 0],
        ['commitReservation', 0],
        ['sendOrderEmail', 0],
        ['sendOrderEmail', 0],
        ['releaseReservation', INTERACTIVE_PRIORITY.priorityKey],
        ['cancelOrder', INTERACTIVE_PRIORITY.priorityKey],
      ].sort(byType),
    );
    await recordFixture(handle, 'place-order-confirmed-then-cancelled', codec);
  });

  it('gives one cancellation to concurrent cancels', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const order = input([{ sku, quantity: 1 }]);
    const handle = await place(order);
    await untilStatus(handle, 'CONFIRMED');

    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => handle.executeUpdate(cancelOrder, { args: [{ requestedBy: `caller-${i}` }] })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill('CANCELLED'));
    await handle.result();
    expect((await movementsOf(order.orderId)).map((m) => m.kind)).toEqual(['RESERVE', 'COMMIT', 'RELEASE']);
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(order.orderId).length === 2);
    expect(smtp.forOrder(order.orderId).filter((mail) => mail.parsed.subject?.endsWith('cancelled'))).toHaveLength(1);
  });

  it('returns business rejections as results: no failed activity, a summary on every step', async () => {
    const [plenty, scarce] = [await createStockedProduct(dbs, { stock: 10 }), await createStockedProduct(dbs, { stock: 1 })];
    const unknown = input([{ sku: 'NOT-IN-CATALOG', quantity: 1 }]);
    const short = input([{ sku: plenty, quantity: 1 }, { sku: scarce, quantity: 2 }]);
    for (const [order, reason] of [[unknown, 'UNKNOWN_PRODUCT'], [short, 'OUT_OF_STOCK']] as const) {
      const handle = await place(order);
      expect(await handle.result()).toMatchObject({ status: 'REJECTED', reason });
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((event) => event.activityTaskFailedEventAttributes)).toEqual([]);
      const summaries = await Promise.all(
        events
          .filter((event) => event.activityTaskScheduledEventAttributes)
          .map(async (event) => (await testDataConverter.payloadCodecs![0]!.decode([event.userMetadata!.summary!]))[0]!.data),
      );
      const lines = order.lines.length === 1 ? '1 line' : `${order.lines.length} lines`;
      // Recording is a local activity (a marker, not a scheduled task); pricing and reserving go out together.
      expect(summaries.map((data) => JSON.parse(Buffer.from(data!).toString()))).toEqual([`price ${lines}`, `reserve ${lines}`, `reject: ${reason}`, 'email ORDER_REJECTED']);
      expect(events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(1);
    }
  });

  it('tells its story in the Web UI: current details with where it stands, lines and totals', async () => {
    const sku = await createStockedProduct(dbs, { priceCents: 1250, stock: 5, name: 'Mug' });
    const order = input([{ sku, quantity: 2 }]);
    const handle = await place(order);
    await untilStatus(handle, 'CONFIRMED');
    // An order without a payment awaits its first shipment on no timer: the customer's window is a
    // time the cancel's validator compares, shown in the details.
    const { customerCancellableUntil } = await handle.query(getOrderState);
    const details = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails).toContain(`**Confirmed**, awaiting shipment; the customer may cancel until ${customerCancellableUntil}, staff until it ships`);
    expect(details.currentDetails).toContain(`| ${sku} | Mug | 2 | 12.50 EUR | 25.00 EUR |`);
    expect(details.currentDetails).toContain('**Total 25.00 EUR**');
    await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] });
  });

  it('refuses a cancel once the order is decided for good (rejected)', async () => {
    const order = input([{ sku: 'NOT-IN-CATALOG', quantity: 1 }]);
    const handle = await place(order);
    await untilStatus(handle, 'REJECTED');
    // The workflow may still be finishing (rejection email) or already done: either way, no cancel.
    const refusal = await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Error);
    if (refusal instanceof WorkflowUpdateFailedError) expect(refusal.cause).toMatchObject({ type: 'NOT_CANCELLABLE' });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'REJECTED' });
  });

  it('stays CONFIRMED once the customer\'s window has closed: the customer\'s cancel is refused, staff may still cancel until it ships', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    // A window that closes as the order is confirmed: any later cancel of the customer's comes after it.
    const order = placeOrderInput([{ sku, quantity: 1 }], { customerId: `cust-${randomUUID().slice(0, 8)}`, cancellationWindow: '0s' });
    const handle = await place(order);
    expect(await untilOrderDecided(testbed.env.client, handle.workflowId)).toBe('open');

    const refusal = await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'dana' }] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'NOT_CANCELLABLE', message: expect.stringContaining('cancellation window') });
    expect(await handle.query(getOrderState)).toMatchObject({ status: 'CONFIRMED', cancellable: true });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'CONFIRMED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 4, reserved: 0 });
    // The refusal was the validator's: nothing of it in the history, and the run still awaits its shipment.
    const history = (await handle.fetchHistory()).events ?? [];
    expect(history.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    expect(await handle.executeUpdate(cancelOrder, { args: [{ requestedBy: 'ops', byStaff: true }] })).toMatchObject({ status: 'CANCELLED' });
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('settles the order as cancelled when the workflow itself is cancelled (Web UI, CLI)', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const order = input([{ sku, quantity: 2 }]);
    const handle = await place(order);
    await untilStatus(handle, 'CONFIRMED');
    await handle.cancel();
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED', reason: 'workflow cancelled by an operator' });
    expect(await findOrder(dbs.order, order.orderId)).toMatchObject({ status: 'CANCELLED' });
    expect(await findStockLevel(dbs.inventory, sku)).toMatchObject({ onHand: 5, reserved: 0 });
    await expectConfirmedThenCancelledEmails(order.orderId);
    await recordFixture(handle, 'place-order-cancelled-through-temporal', codec);
  });
});
