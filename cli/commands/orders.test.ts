import { beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../activities/order/timeline.contract.js';
import { cliInMemory } from '../../test/support/cli-in-memory.js';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { order, orderEvent } from '../../test/support/memory-reads.js';
import { runCli } from '../program.js';

// `orderflow orders show` against the real HTTP app in memory (the CLI's fetch routed to
// app.request(), no network): the order with its timeline, read through GET /orders/{id}/events.
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const SHIPMENT_ID = '2d9a8b5f-7c65-4e50-9f79-8c2e3d4f5061';

let app: FastApp;
const output = cliInMemory(() => app);

beforeEach(() => {
  app = fastApp();
  app.store.orders.push(order(ORDER_ID, 'alice'));
});

async function orderflow(...args: string[]): Promise<number> {
  await runCli(['--api-url', 'http://orderflow.test', '--token', await app.token('ops', ['operator']), ...args]);
  return Number(process.exitCode ?? 0);
}

describe('orderflow orders show', () => {
  it("prints the order's timeline, oldest first: when, what, by whom, the status it left and what changed", async () => {
    app.store.events.push(
      orderEvent(ORDER_ID, { at: '2026-12-07T09:00:00.123Z' }),
      orderEvent(ORDER_ID, { type: 'order.confirmed', at: '2026-12-07T09:00:01.000Z', actor: SYSTEM_ACTOR, status: 'CONFIRMED', details: { totalCents: 1_000, currency: 'EUR' } }),
      orderEvent(ORDER_ID, {
        type: 'order.shipped',
        at: '2026-12-07T10:00:00.000Z',
        actor: { kind: 'staff', id: 'ops' },
        status: 'SHIPPED',
        details: { shipmentId: SHIPMENT_ID, lines: [{ sku: 'LAMP-1', quantity: 1 }], carrier: 'DHL', trackingNumber: 'JD0001' },
      }),
      orderEvent(ORDER_ID, { type: 'payment.captured', at: '2026-12-07T10:00:00.000Z', actor: { kind: 'staff', id: 'ops' }, status: 'SHIPPED', details: { amountCents: 1_000, currency: 'EUR' } }),
    );
    expect(await orderflow('orders', 'show', ORDER_ID), output.stderr).toBe(0);
    const rows = output.stdout.split('\n').filter((line) => /(order|payment)\.\w+/.test(line));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/2026-12-07 09:00:00Z.+order\.placed.+customer alice.+PENDING.+LAMP-1 ×1/);
    expect(rows[1]).toMatch(/order\.confirmed.+system order-workflow.+CONFIRMED.+€10\.00/);
    expect(rows[2]).toMatch(new RegExp(`order\\.shipped.+staff ops.+SHIPPED.+${SHIPMENT_ID}: LAMP-1 ×1 by DHL JD0001`));
    expect(rows[3]).toMatch(/payment\.captured.+staff ops.+SHIPPED.+€10\.00/);
  });

  it('reads every page of a long timeline; --json carries the events beside the order', async () => {
    const events = Array.from({ length: 130 }, (_, n) => orderEvent(ORDER_ID, { type: 'order.cancelled', status: 'CANCELLED', details: { reason: `reason ${n}` } }));
    app.store.events.push(...events);
    expect(await orderflow('orders', 'show', ORDER_ID, '--json'), output.stderr).toBe(0);
    const printed = JSON.parse(output.stdout);
    expect(printed).toMatchObject({ orderId: ORDER_ID, notifications: [] });
    expect(printed.events.map((event: { eventId: string }) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  it('prints no timeline for an order with none yet', async () => {
    expect(await orderflow('orders', 'show', ORDER_ID), output.stderr).toBe(0);
    expect(output.stdout).not.toContain('event');
  });
});
