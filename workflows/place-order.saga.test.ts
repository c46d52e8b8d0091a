import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as WorkflowApi from '@temporalio/workflow';
import type { CancelRequest, OrderState, PlaceOrderInput } from './place-order.contract.js';

// The saga's branching, with every activity mocked and the workflow API faked in-process: no
// Temporal server. What only a server shows (durable timers, Updates through the frontend,
// replays, real activities) is in place-order.integration.test.ts and the replay gate.

type Call = { activity: string; local: boolean; summary?: string; args: unknown[] };
type Mock = (...args: unknown[]) => unknown;

const sdk = vi.hoisted(() => ({
  activities: {} as Record<string, Mock>,
  calls: [] as Call[],
  handlers: {} as Record<string, { handler: (...args: unknown[]) => unknown; validator?: (...args: unknown[]) => void }>,
  statuses: [] as string[],
  /** An Update that arrived with the workflow's start (Update-with-start): delivered as its handler is set, as the SDK does. */
  buffered: undefined as { name: string; args: unknown[]; answer?: Promise<unknown> } | undefined,
  /** Whether the run takes the fulfilment branch (a new run) or not (a replay of an order started before it). */
  fulfilment: true,
  /** The return and fulfilment windows' timers: the test closes them (`closed.add('return window')`). */
  closed: new Set<string>(),
}));

vi.mock('@temporalio/workflow', async (importOriginal) => {
  const real = await importOriginal<typeof WorkflowApi>();
  // An activity stub as proxyActivities makes them; the mock is looked up when called, so each test brings its own.
  const proxy = (local: boolean) =>
    new Proxy({}, {
      get: (_target, activity: string) => {
        const call = async (options: { summary?: string }, args: unknown[]) => {
          sdk.calls.push({ activity, local, args, ...(options.summary !== undefined && { summary: options.summary }) });
          const mock = sdk.activities[activity];
          if (!mock) throw new Error(`no mock for ${activity}`);
          return mock(...args);
        };
        return Object.assign((...args: unknown[]) => call({}, args), { executeWithOptions: call });
      },
    });
  // Re-checked on every turn of the event loop until true; a timed condition (the window) times
  // out once nothing else is left to happen first; the return and fulfilment windows', once the test closes them.
  const condition = (fn: () => boolean, timeout?: unknown, options?: { summary?: string }) =>
    new Promise((resolve) => {
      const window = ['return window', 'fulfilment window'].find((name) => options?.summary?.startsWith(name));
      const check = (turns: number) => {
        if (fn()) resolve(true);
        else if (window ? sdk.closed.has(window) : timeout !== undefined && turns > 20) resolve(false);
        else setImmediate(() => check(turns + 1));
      };
      check(0);
    });
  return {
    ...real,
    proxyActivities: () => proxy(false),
    proxyLocalActivities: () => proxy(true),
    condition,
    allHandlersFinished: () => true,
    patched: () => sdk.fulfilment,
    setHandler: (definition: { name: string }, handler: Mock, options?: { validator?: Mock }) => {
      sdk.handlers[definition.name] = { handler, ...(options?.validator && { validator: options.validator }) };
      if (sdk.buffered?.name === definition.name) {
        options?.validator?.(...sdk.buffered.args);
        sdk.buffered.answer = handler(...sdk.buffered.args) as Promise<unknown>;
      }
    },
    setCurrentDetails: () => {},
    upsertSearchAttributes: (updates: Array<{ value: string }>) => sdk.statuses.push(...updates.map((update) => update.value)),
    workflowInfo: () => ({ startTime: new Date('2026-12-07T10:00:00Z') }),
    CancellationScope: { nonCancellable: (fn: () => Promise<unknown>) => fn() },
    log: { info: () => {}, warn: () => {}, debug: () => {}, error: () => {}, trace: () => {} },
  };
});

const { PlaceOrder } = await import('./place-order.js');

const input: PlaceOrderInput = {
  orderId: 'a0000000-0000-4000-8000-000000000001',
  customerId: 'dana',
  customerEmail: 'dana@example.com',
  lines: [{ sku: 'TEE', quantity: 2 }],
  cancellationWindow: '30m',
};
const priced = { lines: [{ sku: 'TEE', name: 'Tee', quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000 }], totalCents: 2000, currency: 'EUR' };

/** A non-retryable INVALID_DATA failure of an activity, as the worker's interceptor raises it. */
const invalidData = (activity: string) =>
  new ActivityFailure('failed', activity, '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', ApplicationFailure.create({ type: 'INVALID_DATA', message: 'PostgreSQL refused the data', nonRetryable: true }));

const cancel = (request: CancelRequest = { requestedBy: 'dana' }) => {
  const update = sdk.handlers.cancelOrder!;
  update.validator?.(request);
  return update.handler(request) as Promise<OrderState>;
};

/** Every activity succeeds unless a test says otherwise. */
function happyPath(): Record<string, Mock> {
  return {
    recordOrder: () => ({ created: true }),
    priceOrder: () => ({ ok: true, value: priced }),
    reserveOrderStock: () => ({ ok: true, value: { changed: true, status: 'RESERVED' } }),
    confirmOrder: () => ({ changed: true }),
    commitReservation: () => ({ changed: true, status: 'COMMITTED' }),
    releaseReservation: () => ({ changed: true, status: 'RELEASED' }),
    rejectOrder: () => ({ changed: true }),
    cancelOrder: () => ({ changed: true }),
    sendOrderEmail: () => ({ messageId: '<m>', sent: true }),
  };
}

const steps = () => sdk.calls.map((call) => (call.activity === 'sendOrderEmail' ? `email ${(call.args[0] as { kind: string }).kind}` : call.activity));
const releases = () => sdk.calls.filter((call) => call.activity === 'releaseReservation').map((call) => (call.args[0] as { reason: string }).reason);

beforeEach(() => {
  sdk.fulfilment = true;
  sdk.closed = new Set();
  sdk.activities = happyPath();
  sdk.calls = [];
  sdk.handlers = {};
  sdk.statuses = [];
  sdk.buffered = undefined;
});

describe('PlaceOrder, step by step', () => {
  it('confirms: records locally, prices and reserves, confirms locally, commits, emails; then closes the window (an order started before fulfilment)', async () => {
    sdk.fulfilment = false;
    const result = await PlaceOrder(input);
    expect(result).toMatchObject({ status: 'CONFIRMED', cancellable: false, priced });
    expect(steps()).toEqual(['recordOrder', 'priceOrder', 'reserveOrderStock', 'confirmOrder', 'commitReservation', 'email ORDER_CONFIRMED']);
    expect(sdk.calls.filter((call) => call.local).map((call) => call.activity)).toEqual(['recordOrder', 'confirmOrder']);
    expect(sdk.statuses).toEqual(['CONFIRMED']);
  });

  it('rejects what pricing refuses, and gives back the stock reserved meanwhile', async () => {
    sdk.activities.priceOrder = () => ({ ok: false, reason: 'INACTIVE_PRODUCT', message: 'not for sale' });
    expect(await PlaceOrder(input)).toMatchObject({ status: 'REJECTED', reason: 'INACTIVE_PRODUCT', cancellable: false });
    expect(steps()).toEqual(['recordOrder', 'priceOrder', 'reserveOrderStock', 'releaseReservation', 'rejectOrder', 'email ORDER_REJECTED']);
    expect(releases()).toEqual(['order rejected: INACTIVE_PRODUCT']);
  });

  it('rejects a refused reservation without releasing anything (it held nothing)', async () => {
    sdk.activities.reserveOrderStock = () => ({ ok: false, reason: 'OUT_OF_STOCK', message: 'short' });
    expect(await PlaceOrder(input)).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(releases()).toEqual([]);
  });

  it('names pricing\'s reason when both refuse', async () => {
    sdk.activities.priceOrder = () => ({ ok: false, reason: 'UNKNOWN_PRODUCT', message: 'unknown' });
    sdk.activities.reserveOrderStock = () => ({ ok: false, reason: 'UNKNOWN_PRODUCT', message: 'no stock record' });
    expect(await PlaceOrder(input)).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
    expect(releases()).toEqual([]);
  });

  it('cancels inside the window: releases the stock once, marks CANCELLED, emails both', async () => {
    // Delivered while the reservation is committed: the window then sees the cancel at once.
    sdk.activities.commitReservation = () => {
      void cancel();
      return { changed: true, status: 'COMMITTED' };
    };
    expect(await PlaceOrder(input)).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by dana', cancellable: false });
    expect(steps()).toEqual(['recordOrder', 'priceOrder', 'reserveOrderStock', 'confirmOrder', 'commitReservation', 'email ORDER_CONFIRMED', 'releaseReservation', 'cancelOrder', 'email ORDER_CANCELLED']);
    expect(releases()).toEqual(['order cancelled: cancelled by dana']);
    expect(sdk.statuses).toEqual(['CONFIRMED', 'CANCELLED']);
    expect(callsOf('cancelOrder')).toEqual([{ orderId: input.orderId, reason: 'cancelled by dana', actor: { kind: 'customer', id: 'dana' } }]);
  });

  it('cancels an order cancelled with its start (Update-with-start) before pricing or reserving anything', async () => {
    sdk.buffered = { name: 'cancelOrder', args: [{ requestedBy: 'dana' }] };
    expect(await PlaceOrder(input)).toMatchObject({ status: 'CANCELLED' });
    expect(await sdk.buffered.answer).toMatchObject({ status: 'CANCELLED' });
    expect(steps()).toEqual(['recordOrder', 'cancelOrder', 'email ORDER_CANCELLED']);
  });

  it.each([
    ['unwrapped, as a local activity\'s failure arrives', () => invalidData('recordOrder').cause!],
    ['in an ActivityFailure', () => invalidData('recordOrder')],
  ])('ends REJECTED with nothing else done when the order service refuses the order\'s data (%s)', async (_how, failure) => {
    sdk.activities.recordOrder = () => Promise.reject(failure());
    expect(await PlaceOrder(input)).toMatchObject({ status: 'REJECTED', reason: 'INVALID_DATA' });
    expect(steps()).toEqual(['recordOrder']);
  });

  it('gives the stock back and rejects when confirming is refused (INVALID_DATA)', async () => {
    sdk.activities.confirmOrder = () => Promise.reject(invalidData('confirmOrder').cause!);
    expect(await PlaceOrder(input)).toMatchObject({ status: 'REJECTED', reason: 'INVALID_DATA' });
    expect(releases()).toEqual(['order could not be confirmed']);
    expect(steps().slice(-2)).toEqual(['rejectOrder', 'email ORDER_REJECTED']);
  });

  it('fails the workflow (a bug, not an outcome) on any other non-retryable failure, after giving the stock back', async () => {
    const bug = new ActivityFailure('failed', 'commitReservation', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', ApplicationFailure.create({ type: 'RESERVATION_RELEASED', nonRetryable: true }));
    sdk.activities.commitReservation = () => Promise.reject(bug);
    await expect(PlaceOrder(input)).rejects.toBe(bug);
    expect(releases()).toEqual(['order could not be confirmed']);
  });

  it('runs a compensation again when a cancellation through Temporal cut it short: the stock is never left held', async () => {
    sdk.activities.priceOrder = () => ({ ok: false, reason: 'INACTIVE_PRODUCT', message: 'not for sale' });
    let cutShort = false;
    sdk.activities.releaseReservation = () => {
      if (cutShort) return { changed: true, status: 'RELEASED' };
      cutShort = true;
      throw new ActivityFailure('cancelled', 'releaseReservation', '1', RetryState.CANCEL_REQUESTED, 'worker', new CancelledFailure('cancelled'));
    };
    expect(await PlaceOrder(input)).toMatchObject({ status: 'CANCELLED', reason: 'workflow cancelled by an operator' });
    expect(releases()).toEqual(['order rejected: INACTIVE_PRODUCT', 'order cancelled: workflow cancelled by an operator']);
    // The timeline names the system (through Temporal), not a person.
    expect(callsOf('cancelOrder')).toEqual([{ orderId: input.orderId, reason: 'workflow cancelled by an operator', actor: { kind: 'system', id: 'temporal' } }]);
  });

  it('refuses a cancel once the window has closed, and one that is not plain text (an order started before fulfilment)', async () => {
    sdk.fulfilment = false;
    await PlaceOrder(input);
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'dana' })).toThrow(expect.objectContaining({ type: 'NOT_CANCELLABLE' }));
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'da\u0000na' })).toThrow(expect.objectContaining({ type: 'INVALID_DATA' }));
  });

  it('refuses a cancel Update made as the system: only the workflow itself cancels as the system', async () => {
    const run = PlaceOrder(input);
    await until(() => sdk.statuses.includes('CONFIRMED'));
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'payment', byStaff: true, bySystem: true })).toThrow(expect.objectContaining({ type: 'INVALID_DATA' }));
    expect(await cancel({ requestedBy: 'olivia', byStaff: true })).toMatchObject({ status: 'CANCELLED' });
    expect(callsOf('cancelOrder')).toEqual([{ orderId: input.orderId, reason: 'cancelled by olivia', actor: { kind: 'staff', id: 'olivia' } }]);
    await run;
  });
});

/** Shipment and return IDs, UUIDs as the API makes them (the validators refuse anything else). */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const [S0, S1, S2, S3, R1, UNKNOWN] = [0, 1, 2, 3, 11, 99].map(id) as [string, string, string, string, string, string];

/** Runs an Update as the SDK does: its validator (a refusal throws, nothing runs), then its handler. */
function update(name: string, request: object): Promise<OrderState> {
  const { validator, handler } = sdk.handlers[name]!;
  validator?.(request);
  return handler(request) as Promise<OrderState>;
}

/** Resolves once `fn` holds (checked on every turn of the event loop). */
const until = (fn: () => boolean) =>
  new Promise<void>((resolve) => {
    const check = () => (fn() ? resolve() : setImmediate(check));
    check();
  });

/** Once everything is delivered, the saga opens the return window. */
const returnsOpen = () => until(() => (sdk.handlers.getOrderState!.handler() as OrderState).returnableUntil !== undefined);

const paidInput: PlaceOrderInput = { ...input, lines: [{ sku: 'TEE', quantity: 2 }, { sku: 'MUG', quantity: 1 }], payment: { method: 'pm_card_visa' }, returnWindow: '30d' };
const paidPriced = {
  lines: [
    { sku: 'TEE', name: 'Tee', quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000 },
    { sku: 'MUG', name: 'Mug', quantity: 1, unitPriceCents: 500, lineTotalCents: 500 },
  ],
  totalCents: 2500,
  currency: 'EUR',
};
const authorisation = { authorisationId: 'auth_1', amountCents: 2500, currency: 'EUR', expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() };

function paidPath(): Record<string, Mock> {
  const at = () => new Date().toISOString();
  return {
    ...happyPath(),
    priceOrder: () => ({ ok: true, value: paidPriced }),
    authorisePayment: () => ({ ok: true, value: authorisation }),
    voidPayment: () => ({ changed: true, status: 'VOIDED' }),
    capturePayment: () => ({ ok: true, value: { changed: true, status: 'CAPTURED' } }),
    refundPayment: () => ({ changed: true, status: 'PARTIALLY_REFUNDED' }),
    recordShipment: () => ({ changed: true, shippedAt: at() }),
    recordDelivery: () => ({ changed: true, deliveredAt: at() }),
    recordReturn: () => ({ changed: true, requestedAt: at() }),
    recordReturnReceipt: () => ({ changed: true, receivedAt: at() }),
    restockReturn: () => ({ changed: true }),
    releaseUnshipped: () => ({ changed: true }),
    recordUnshippedCancelled: () => ({ changed: true }),
  };
}

const callsOf = (activity: string) => sdk.calls.filter((call) => call.activity === activity).map((call) => call.args[0] as Record<string, unknown>);
const ship = (shipmentId: string, lines?: Array<{ sku: string; quantity: number }>) =>
  update('shipOrder', { shipmentId, carrier: 'DHL', trackingNumber: `T-${shipmentId}`, requestedBy: 'olivia', ...(lines && { lines }) });

describe('PlaceOrder with payment and fulfilment', () => {
  beforeEach(() => {
    sdk.activities = paidPath();
  });

  it('authorises after the reservation, captures at the first shipment only, and refunds exactly what a return brought back', async () => {
    const run = PlaceOrder(paidInput);
    await until(() => sdk.statuses.includes('CONFIRMED'));
    expect(steps().slice(0, 5)).toEqual(['recordOrder', 'priceOrder', 'reserveOrderStock', 'authorisePayment', 'confirmOrder']);
    expect(callsOf('authorisePayment')).toEqual([{ orderId: input.orderId, amountCents: 2500, currency: 'EUR', method: 'pm_card_visa' }]);

    expect(await ship(S1, [{ sku: 'TEE', quantity: 2 }])).toMatchObject({ status: 'PARTIALLY_SHIPPED', cancellable: false });
    expect(await ship(S2)).toMatchObject({ status: 'SHIPPED' });
    expect(callsOf('capturePayment')).toEqual([{ orderId: input.orderId, amountCents: 2500 }]);
    expect(callsOf('recordShipment').map((call) => (call.shipment as { lines: unknown }).lines)).toEqual([[{ sku: 'TEE', quantity: 2 }], [{ sku: 'MUG', quantity: 1 }]]);
    // The first shipment captured the payment, and says so in the timeline; both were staff's.
    expect(callsOf('recordShipment').map(({ actor, capturedCents }) => ({ actor, capturedCents }))).toEqual([
      { actor: { kind: 'staff', id: 'olivia' }, capturedCents: 2500 },
      { actor: { kind: 'staff', id: 'olivia' }, capturedCents: undefined },
    ]);
    expect(callsOf('recordShipment')[1]).not.toHaveProperty('capturedCents');

    await update('deliverShipment', { shipmentId: S1, requestedBy: 'olivia' });
    expect(await update('deliverShipment', { shipmentId: S2, requestedBy: 'olivia' })).toMatchObject({ status: 'DELIVERED' });
    await returnsOpen();
    await update('requestReturn', { returnId: R1, lines: [{ sku: 'MUG', quantity: 1 }], reason: 'chipped', requestedBy: 'dana' });
    expect(await update('receiveReturn', { returnId: R1, restock: true, requestedBy: 'olivia' })).toMatchObject({ status: 'PARTIALLY_RETURNED' });
    expect(callsOf('restockReturn')).toEqual([{ orderId: input.orderId, returnId: R1, lines: [{ sku: 'MUG', quantity: 1 }] }]);
    expect(callsOf('refundPayment')).toEqual([{ orderId: input.orderId, refundId: R1, amountCents: 500, reason: 'chipped' }]);
    expect(callsOf('recordReturnReceipt')).toEqual([{ orderId: input.orderId, returnId: R1, restocked: true, refundCents: 500, status: 'PARTIALLY_RETURNED', actor: { kind: 'staff', id: 'olivia' } }]);
    expect(callsOf('recordDelivery').map((call) => call.actor)).toEqual([{ kind: 'staff', id: 'olivia' }, { kind: 'staff', id: 'olivia' }]);
    expect(callsOf('recordReturn')).toEqual([{ orderId: input.orderId, returnId: R1, lines: [{ sku: 'MUG', quantity: 1 }], reason: 'chipped', actor: { kind: 'customer', id: 'dana' } }]);

    sdk.closed.add('return window');
    expect(await run).toMatchObject({ status: 'PARTIALLY_RETURNED' });
    expect(steps().filter((step) => step.startsWith('email'))).toEqual([
      'email ORDER_CONFIRMED',
      'email ORDER_SHIPPED',
      'email ORDER_SHIPPED',
      'email ORDER_DELIVERED',
      'email ORDER_DELIVERED',
      'email RETURN_RECEIVED',
      'email REFUND_ISSUED',
    ]);
    expect(callsOf('voidPayment')).toEqual([]);
  });

  it('rejects a declined payment and gives the stock back; nothing to void', async () => {
    sdk.activities.authorisePayment = () => ({ ok: false, reason: 'PAYMENT_DECLINED', message: 'Your card was declined' });
    expect(await PlaceOrder(paidInput)).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
    expect(steps()).toEqual(['recordOrder', 'priceOrder', 'reserveOrderStock', 'authorisePayment', 'releaseReservation', 'rejectOrder', 'email ORDER_REJECTED']);
  });

  it('authorises nothing when pricing or the reservation refuses', async () => {
    sdk.activities.reserveOrderStock = () => ({ ok: false, reason: 'OUT_OF_STOCK', message: 'short' });
    expect(await PlaceOrder(paidInput)).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    expect(callsOf('authorisePayment')).toEqual([]);
  });

  it('voids the authorisation, then releases the stock, when a confirmed order is cancelled', async () => {
    const run = PlaceOrder(paidInput);
    await until(() => sdk.statuses.includes('CONFIRMED'));
    expect(await cancel()).toMatchObject({ status: 'CANCELLED' });
    expect(await run).toMatchObject({ status: 'CANCELLED' });
    expect(steps().filter((step) => ['voidPayment', 'releaseReservation', 'cancelOrder'].includes(step))).toEqual(['voidPayment', 'releaseReservation', 'cancelOrder']);
    expect(sdk.calls.filter((call) => call.activity === 'voidPayment').map((call) => call.summary)).toEqual(['void authorisation (order cancelled: cancelled by dana)']);
  });

  it('lets staff cancel after the customer\'s window, until the first shipment; then nobody', async () => {
    const run = PlaceOrder({ ...paidInput, cancellationWindow: '0ms' });
    await until(() => sdk.statuses.includes('CONFIRMED'));
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'dana' })).toThrow(expect.objectContaining({ type: 'NOT_CANCELLABLE', message: expect.stringContaining('staff can still cancel') }));
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'olivia', byStaff: true })).not.toThrow();
    await ship(S1);
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'olivia', byStaff: true })).toThrow(expect.objectContaining({ type: 'NOT_CANCELLABLE', message: expect.stringContaining('has shipped') }));
    void run;
  });

  it('a ship and a cancel arriving together: whichever is accepted first wins, the other is refused', async () => {
    const run = PlaceOrder(paidInput);
    await until(() => sdk.statuses.includes('CONFIRMED'));
    const shipping = ship(S1);
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'olivia', byStaff: true })).toThrow(expect.objectContaining({ type: 'NOT_CANCELLABLE' }));
    await shipping;

    sdk.calls = [];
    sdk.handlers = {};
    sdk.statuses = [];
    const second = PlaceOrder({ ...paidInput, orderId: 'a0000000-0000-4000-8000-000000000002' });
    await until(() => sdk.statuses.includes('CONFIRMED'));
    const cancelling = cancel({ requestedBy: 'olivia' });
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S1, carrier: 'DHL', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(expect.objectContaining({ type: 'NOT_SHIPPABLE' }));
    expect(await cancelling).toMatchObject({ status: 'CANCELLED' });
    expect(await second).toMatchObject({ status: 'CANCELLED' });
    expect(callsOf('capturePayment')).toEqual([]);
    void run;
  });

  it('refuses shipments the order cannot take: more than is left, before confirmation, text that is not plain', async () => {
    const run = PlaceOrder(paidInput);
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S0, carrier: 'DHL', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(expect.objectContaining({ type: 'NOT_SHIPPABLE' }));
    await until(() => sdk.statuses.includes('CONFIRMED'));
    await ship(S1, [{ sku: 'TEE', quantity: 1 }]);
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S2, lines: [{ sku: 'TEE', quantity: 2 }], carrier: 'DHL', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(
      expect.objectContaining({ type: 'NOT_SHIPPABLE', message: expect.stringContaining('only 1 left to ship') }),
    );
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S3, carrier: 'DH\u0000L', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(expect.objectContaining({ type: 'INVALID_DATA' }));
    expect(() => sdk.handlers.deliverShipment!.validator!({ shipmentId: UNKNOWN, requestedBy: 'olivia' })).toThrow(expect.objectContaining({ type: 'UNKNOWN_SHIPMENT' }));
    expect(() => sdk.handlers.requestReturn!.validator!({ returnId: R1, lines: [{ sku: 'TEE', quantity: 1 }], reason: 'x', requestedBy: 'dana' })).toThrow(expect.objectContaining({ type: 'NOT_RETURNABLE' }));
    expect(callsOf('capturePayment')).toHaveLength(1);
    void run;
  });

  it('cancels an order whose authorisation lapses before it ships (void, release, email)', async () => {
    sdk.activities.authorisePayment = () => ({ ok: true, value: { ...authorisation, expiresAt: new Date(Date.now() - 1000).toISOString() } });
    expect(await PlaceOrder(paidInput)).toMatchObject({ status: 'CANCELLED', reason: 'the payment authorisation lapses before the order shipped' });
    expect(steps().slice(-4)).toEqual(['voidPayment', 'releaseReservation', 'cancelOrder', 'email ORDER_CANCELLED']);
    expect(callsOf('cancelOrder').map((call) => call.actor)).toEqual([{ kind: 'system', id: 'payment' }]);
  });

  it('an order placed without payment ships, is delivered and returned with no money moved; all of it back ends the run before its window', async () => {
    const run = PlaceOrder({ ...input, returnWindow: '1d' });
    await until(() => sdk.statuses.includes('CONFIRMED'));
    await ship(S1);
    await update('deliverShipment', { shipmentId: S1, requestedBy: 'olivia' });
    await returnsOpen();
    await update('requestReturn', { returnId: R1, lines: [{ sku: 'TEE', quantity: 2 }], reason: 'too small', requestedBy: 'dana' });
    expect(await update('receiveReturn', { returnId: R1, restock: false, requestedBy: 'olivia' })).toMatchObject({ status: 'RETURNED' });
    // Everything came back: nothing is left to return, so the run ends without waiting for the window.
    expect(await run).toMatchObject({ status: 'RETURNED' });
    expect(sdk.calls.filter((call) => ['authorisePayment', 'capturePayment', 'refundPayment', 'restockReturn'].includes(call.activity))).toEqual([]);
    // Nothing captured, so no capture in the timeline.
    expect(callsOf('recordShipment')[0]).not.toHaveProperty('capturedCents');
    expect(steps().filter((step) => step.startsWith('email')).at(-1)).toBe('email RETURN_RECEIVED');
  });
});

describe('PlaceOrder, units that never ship', () => {
  // Runs of earlier tests left waiting see the windows close too: these orders have IDs of their own.
  const orderId = 'a0000000-0000-4000-8000-000000000003';
  const ofThisOrder = (activity: string) => callsOf(activity).filter((call) => call.orderId === orderId);

  beforeEach(() => {
    sdk.activities = paidPath();
  });

  it('releases, refunds and records what has not shipped when the fulfilment window closes; the order goes on as shipped', async () => {
    const run = PlaceOrder({ ...paidInput, orderId });
    await until(() => sdk.statuses.includes('CONFIRMED'));
    await ship(S1, [{ sku: 'TEE', quantity: 2 }]);
    sdk.closed.add('fulfilment window');
    await until(() => sdk.statuses.includes('SHIPPED'));
    expect(ofThisOrder('releaseUnshipped')).toEqual([{ orderId, lines: [{ sku: 'MUG', quantity: 1 }] }]);
    expect(ofThisOrder('refundPayment')).toEqual([{ orderId, refundId: 'unshipped', amountCents: 500, reason: 'never shipped' }]);
    expect(ofThisOrder('recordUnshippedCancelled')).toEqual([{ orderId, lines: [{ sku: 'MUG', quantity: 1 }], refundCents: 500, status: 'SHIPPED' }]);
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S2, carrier: 'DHL', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(
      expect.objectContaining({ type: 'NOT_SHIPPABLE', message: expect.stringContaining('is SHIPPED: nothing to ship') }),
    );

    expect(await update('deliverShipment', { shipmentId: S1, requestedBy: 'olivia' })).toMatchObject({ status: 'DELIVERED', cancelledLines: [{ sku: 'MUG', quantity: 1 }] });
    sdk.closed.add('return window');
    expect(await run).toMatchObject({ status: 'DELIVERED' });
    const emails = sdk.calls.filter((call) => call.activity === 'sendOrderEmail' && (call.args[0] as { order: { orderId: string } }).order.orderId === orderId);
    expect(emails.map((call) => (call.args[0] as { kind: string }).kind)).toEqual(['ORDER_CONFIRMED', 'ORDER_SHIPPED', 'REFUND_ISSUED', 'ORDER_DELIVERED']);
  });

  it('refunds nothing for an order placed without payment, and releases its stock all the same', async () => {
    const run = PlaceOrder({ ...input, orderId, lines: paidInput.lines });
    await until(() => sdk.statuses.includes('CONFIRMED'));
    await ship(S1, [{ sku: 'MUG', quantity: 1 }]);
    sdk.closed.add('fulfilment window');
    await until(() => sdk.statuses.includes('SHIPPED'));
    expect(ofThisOrder('releaseUnshipped')).toEqual([{ orderId, lines: [{ sku: 'TEE', quantity: 2 }] }]);
    expect(ofThisOrder('refundPayment')).toEqual([]);
    expect(sdk.calls.filter((call) => call.activity === 'sendOrderEmail' && (call.args[0] as { kind: string; order: { orderId: string } }).order.orderId === orderId && (call.args[0] as { kind: string }).kind === 'REFUND_ISSUED')).toEqual([]);
    void run;
  });
});

describe('PlaceOrder, an order started before fulfilment (no order-fulfilment marker)', () => {
  it('authorises nothing and takes no shipment: it ends with its cancellation window, as it did', async () => {
    sdk.fulfilment = false;
    sdk.activities = paidPath();
    const run = PlaceOrder(paidInput);
    await until(() => sdk.statuses.includes('CONFIRMED'));
    expect(() => sdk.handlers.shipOrder!.validator!({ shipmentId: S1, carrier: 'DHL', trackingNumber: 'T', requestedBy: 'olivia' })).toThrow(
      expect.objectContaining({ type: 'NOT_SHIPPABLE', message: expect.stringContaining('placed before fulfilment') }),
    );
    expect(await run).toMatchObject({ status: 'CONFIRMED', cancellable: false });
    expect(callsOf('authorisePayment')).toEqual([]);
  });
});
