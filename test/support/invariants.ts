import type { Client } from '@temporalio/client';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { getOrderState, orderWorkflowId, type OrderState } from '../../workflows/place-order.contract.js';
import type { PlaceOrder } from '../../workflows/place-order.js';
import type { serviceDatabases } from './databases.js';
import { untilOrderDecided } from './order-decided.js';
import type { ReceivedMail, SmtpSink } from './smtp-sink.js';

type Databases = ReturnType<typeof serviceDatabases>;

/**
 * Waits until every order is decided and its decision emailed, and returns the outcomes. A
 * confirmed order's workflow no longer ends (it awaits its first shipment), so settled is: a
 * REJECTED or CANCELLED order's run has ended (after its email), its result the outcome; a
 * CONFIRMED order's confirmation email was sent (its activity completed), its `getOrderState`
 * the outcome. What the order service recorded is checked against these by expectConsistent.
 */
export async function settledOrders(client: Client, orderIds: string[]): Promise<Map<string, OrderState>> {
  const handles = orderIds.map((orderId) => client.workflow.getHandle<typeof PlaceOrder>(orderWorkflowId(orderId)));
  // Followed on the server (history long polls): no worker is needed to tell when each is decided.
  const decisions = await Promise.all(handles.map((handle) => untilOrderDecided(client, handle.workflowId)));
  // A query needs the order worker, which replays each run it no longer caches: asked all at once
  // after a burst (120 of them, a node just killed) they outwait the server's query timeout. A few
  // at a time, each is answered at once.
  const results: OrderState[] = [];
  for (let next = 0; next < handles.length; next += QUERIES_AT_ONCE) {
    const batch = handles.slice(next, next + QUERIES_AT_ONCE).map(async (handle, i) => {
      if (decisions[next + i] === 'closed') return handle.result();
      const state = await handle.query(getOrderState);
      expect(state.status, `order ${state.orderId}: its confirmation was emailed`).toBe('CONFIRMED');
      return state;
    });
    results.push(...(await Promise.all(batch)));
  }
  return new Map(results.map((state) => [state.orderId, state]));
}

const QUERIES_AT_ONCE = 8;

export const countBy = <T>(items: Iterable<T>, key: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/**
 * What must hold once orders have settled, whatever happened on the way:
 *  - every order is decided (CONFIRMED, REJECTED or CANCELLED) in the order service, and agrees with its workflow;
 *  - stock: on-hand and reserved equal the sums of their ledger, nothing is left reserved, and
 *    on-hand went down by exactly what confirmed orders bought;
 *  - reservations: a confirmed order's is COMMITTED with every line, any other order holds nothing
 *    (no partial reservation), and no order reserved or released twice;
 *  - email: each order got exactly one message of its outcome at the SMTP server, recorded SENT
 *    (when the notification worker was killed mid-send, a copy with the same Message-ID may follow).
 */
export async function expectConsistent(
  dbs: Databases,
  outcomes: Map<string, OrderState>,
  initialStock: Record<string, number>,
  smtp?: SmtpSink,
  options: { mailerKilledMidSend?: boolean } = {},
): Promise<void> {
  const orderIds = [...outcomes.keys()];
  const skus = Object.keys(initialStock);

  const orders = await dbs.order.selectFrom('orders').select(['order_id', 'status', 'reason']).where('order_id', 'in', orderIds).execute();
  expect(orders).toHaveLength(orderIds.length);
  for (const row of orders) {
    expect(row.status, `order ${row.order_id}`).toBe(outcomes.get(row.order_id)!.status);
    expect(['CONFIRMED', 'REJECTED', 'CANCELLED']).toContain(row.status);
  }

  const stock = await dbs.inventory.selectFrom('stock').select(['sku', 'on_hand', 'reserved']).where('sku', 'in', skus).execute();
  const ledger = await dbs.inventory
    .selectFrom('movements')
    .select(['sku', sql<number>`sum(on_hand_delta)::int`.as('on_hand'), sql<number>`sum(reserved_delta)::int`.as('reserved')])
    .where('sku', 'in', skus)
    .groupBy('sku')
    .execute();
  const bought: Record<string, number> = Object.fromEntries(skus.map((sku) => [sku, 0]));
  for (const state of outcomes.values()) {
    if (state.status !== 'CONFIRMED') continue;
    for (const line of state.lines) if (line.sku in bought) bought[line.sku]! += line.quantity;
  }
  for (const sku of skus) {
    const level = stock.find((row) => row.sku === sku);
    const sums = ledger.find((row) => row.sku === sku);
    expect(level, sku).toMatchObject({ on_hand: initialStock[sku]! - bought[sku]!, reserved: 0 });
    expect(sums, sku).toMatchObject({ on_hand: level!.on_hand, reserved: 0 });
  }

  const reservations = await dbs.inventory.selectFrom('reservations').select(['order_id', 'status']).where('order_id', 'in', orderIds).execute();
  const reservationLines = await dbs.inventory.selectFrom('reservation_lines').select(['order_id', 'sku', 'quantity']).where('order_id', 'in', orderIds).execute();
  for (const [orderId, state] of outcomes) {
    const reservation = reservations.find((row) => row.order_id === orderId);
    const lines = reservationLines.filter((row) => row.order_id === orderId);
    if (state.status === 'CONFIRMED') {
      expect(reservation?.status, orderId).toBe('COMMITTED');
      expect(lines.map(({ sku, quantity }) => ({ sku, quantity })).sort((a, b) => a.sku.localeCompare(b.sku))).toEqual(
        [...state.lines].sort((a, b) => a.sku.localeCompare(b.sku)),
      );
    } else {
      expect(reservation?.status ?? 'NONE', orderId).not.toMatch(/RESERVED|COMMITTED/);
    }
  }
  const movementsPerOrder = await dbs.inventory
    .selectFrom('movements')
    .select(['order_id', 'sku', 'kind', sql<number>`count(*)::int`.as('n')])
    .where('order_id', 'in', orderIds)
    .groupBy(['order_id', 'sku', 'kind'])
    .execute();
  expect(movementsPerOrder.filter((row) => row.n > 1)).toEqual([]);

  if (smtp) {
    const expected = orderIds.length + [...outcomes.values()].filter((state) => state.status === 'CANCELLED' && state.priced).length;
    const ofTheseOrders = (messages: ReceivedMail[]) => messages.filter((mail) => orderIds.some((id) => mail.parsed.messageId?.includes(id)));
    await smtp.waitFor((messages) => new Set(ofTheseOrders(messages).map((mail) => mail.parsed.messageId)).size >= expected);
    const received = orderIds.flatMap((orderId) => smtp.forOrder(orderId).map((mail) => mail.parsed.messageId!));
    expect(new Set(received).size, 'distinct emails at the SMTP server').toBe(expected);
    const copies = received.length - expected;
    if (options.mailerKilledMidSend) {
      // SMTP cannot tell a sender that died after the server's 250 but before recording it:
      // that one email goes again, with the same Message-ID, for the receiver to drop.
      if (copies > 0) console.info(`  ${copies} email(s) resent after the notification worker died between SMTP acceptance and its record`);
    } else {
      expect(copies, 'duplicate emails').toBe(0);
    }
    const records = await dbs.notification.selectFrom('notifications').select(['order_id', 'kind', 'status']).where('order_id', 'in', orderIds).execute();
    expect(records.filter((row) => row.status !== 'SENT')).toEqual([]);
    expect(records).toHaveLength(expected);
  }
}

/** How many activity tasks on a task queue each worker (by identity) started, across the given workflows' histories. */
export async function activityTasksByWorker(client: Client, workflowIds: string[], taskQueue: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const workflowId of workflowIds) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const scheduledOnQueue = new Set(
      events.filter((event) => event.activityTaskScheduledEventAttributes?.taskQueue?.name === taskQueue).map((event) => String(event.eventId)),
    );
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (started && scheduledOnQueue.has(String(started.scheduledEventId)) && started.identity) {
        counts[started.identity] = (counts[started.identity] ?? 0) + 1;
      }
    }
  }
  return counts;
}
