import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as WorkflowApi from '@temporalio/workflow';
import type { OrderState, PlaceOrderInput } from './place-order.contract.js';

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
  // out once nothing else is left to happen first.
  const condition = (fn: () => boolean, timeout?: unknown) =>
    new Promise((resolve) => {
      const check = (turns: number) => {
        if (fn()) resolve(true);
        else if (timeout !== undefined && turns > 20) resolve(false);
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

const cancel = (request = { requestedBy: 'dana' }) => {
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
  sdk.activities = happyPath();
  sdk.calls = [];
  sdk.handlers = {};
  sdk.statuses = [];
  sdk.buffered = undefined;
});

describe('PlaceOrder, step by step', () => {
  it('confirms: records locally, prices and reserves, confirms locally, commits, emails; then closes the window', async () => {
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
  });

  it('refuses a cancel once the window has closed, and one that is not plain text', async () => {
    await PlaceOrder(input);
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'dana' })).toThrow(expect.objectContaining({ type: 'NOT_CANCELLABLE' }));
    expect(() => sdk.handlers.cancelOrder!.validator!({ requestedBy: 'da\u0000na' })).toThrow(expect.objectContaining({ type: 'INVALID_DATA' }));
  });
});
