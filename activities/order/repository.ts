import { sql, type Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { DomainError } from '../../common/domain-error.js';
import { values } from './sql-values.js';
import type { OrderDatabase, OrderDb } from './schema.js';
import { ORDER_FAILURE, type NewOrder, type OrderStatus, type OrderView, type PricedOrder } from './contract.js';
import type { FulfilmentLine, OrderReturn, Shipment } from './fulfilment.contract.js';
import { newEvent, writeEvents, type NewEvent } from './timeline.js';
import { SYSTEM_ACTOR, UNSHIPPED_REFUND, type Actor } from './timeline.contract.js';

/** Records a new PENDING order with its lines and its order.placed event, in one statement. A replay (same order ID) changes nothing. */
export async function insertOrder(db: Kysely<OrderDatabase>, order: NewOrder): Promise<boolean> {
  const lines = order.lines.map((line, index) => ({ line_no: index + 1, sku: line.sku, quantity: line.quantity }));
  const inserted = await db
    .with('inserted', (db) =>
      db
        .insertInto('orders')
        .values({
          order_id: order.orderId,
          customer_id: order.customerId,
          customer_email: order.customerEmail,
          status: 'PENDING',
          shipping_address: order.shippingAddress ? JSON.stringify(order.shippingAddress) : null,
        })
        .onConflict((oc) => oc.column('order_id').doNothing())
        .returning('order_id'),
    )
    .with('lines', (db) =>
      db
        .insertInto('order_lines')
        .columns(['order_id', 'line_no', 'sku', 'quantity'])
        .expression((eb) => eb.selectFrom(['inserted', values(lines, 'l', { line_no: 'int', sku: 'text', quantity: 'int' })]).select(['inserted.order_id', 'l.line_no', 'l.sku', 'l.quantity'])),
    )
    .with('events', (db) =>
      writeEvents(db, 'inserted', [
        newEvent('order.placed', { kind: 'customer', id: order.customerId }, 'PENDING', { lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })) }),
      ]),
    )
    .selectFrom('inserted')
    .select('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Moves an order from one of `from` to `to`, writing `event` with it. Already in `to` is a replay
 * and succeeds (no event); any other state is a non-retryable INVALID_ORDER_STATE.
 */
async function transition(
  db: OrderDb,
  orderId: string,
  from: OrderStatus[],
  to: OrderStatus,
  extra: { reason?: string; total_cents?: number; currency?: string },
  event: NewEvent,
): Promise<{ changed: boolean }> {
  const updated = await db
    .with('changed', (db) =>
      db
        .updateTable('orders')
        .set({ status: to, updated_at: sql`now()`, ...extra })
        .where('order_id', '=', orderId)
        .where('status', 'in', from)
        .returning('order_id'),
    )
    .with('events', (db) => writeEvents(db, 'changed', [event]))
    .selectFrom('changed')
    .select('order_id')
    .executeTakeFirst();
  return updated ? { changed: true } : unchanged(db, orderId, to);
}

/** After a transition that changed nothing: a replay if the order is in `to` already, else INVALID_ORDER_STATE. */
async function unchanged(db: OrderDb, orderId: string, to: OrderStatus): Promise<{ changed: false }> {
  const current = await db.selectFrom('orders').select('status').where('order_id', '=', orderId).executeTakeFirst();
  if (current?.status === to) return { changed: false };
  throw new DomainError(ORDER_FAILURE.invalidOrderState, `Order ${orderId} is ${current?.status ?? 'missing'}, cannot become ${to}`, {
    orderId,
    status: current?.status ?? null,
  });
}

/** PENDING to CONFIRMED with the total, each line's price snapshot and the order.confirmed event, in one statement. */
export async function confirmOrder(db: Kysely<OrderDatabase>, orderId: string, priced: PricedOrder): Promise<{ changed: boolean }> {
  const prices = priced.lines.map((line) => ({ sku: line.sku, name: line.name, unit: line.unitPriceCents, total: line.lineTotalCents }));
  const confirmed = await db
    .with('confirmed', (db) =>
      db
        .updateTable('orders')
        .set({ status: 'CONFIRMED', updated_at: sql`now()`, total_cents: priced.totalCents, currency: priced.currency })
        .where('order_id', '=', orderId)
        .where('status', '=', 'PENDING')
        .returning('order_id'),
    )
    .with('priced_lines', (db) =>
      db
        .updateTable('order_lines')
        .from(['confirmed', values(prices, 'p', { sku: 'text', name: 'text', unit: 'int', total: 'int' })])
        .set((eb) => ({ product_name: eb.ref('p.name'), unit_price_cents: eb.ref('p.unit'), line_total_cents: eb.ref('p.total') }))
        .whereRef('order_lines.order_id', '=', 'confirmed.order_id')
        .whereRef('order_lines.sku', '=', 'p.sku')
        .returning('order_lines.line_no'),
    )
    .with('events', (db) => writeEvents(db, 'confirmed', [newEvent('order.confirmed', SYSTEM_ACTOR, 'CONFIRMED', { totalCents: priced.totalCents, currency: priced.currency })]))
    .selectFrom('confirmed')
    .select('order_id')
    .executeTakeFirst();
  return confirmed ? { changed: true } : unchanged(db, orderId, 'CONFIRMED');
}

export async function rejectOrder(db: OrderDb, orderId: string, reason: string) {
  return transition(db, orderId, ['PENDING'], 'REJECTED', { reason }, newEvent('order.rejected', SYSTEM_ACTOR, 'REJECTED', { reason }));
}

export async function cancelOrder(db: OrderDb, { orderId, reason, actor }: { orderId: string; reason: string; actor: Actor }) {
  return transition(db, orderId, ['PENDING', 'CONFIRMED'], 'CANCELLED', { reason }, newEvent('order.cancelled', actor, 'CANCELLED', { reason }));
}

export async function findOrder(db: OrderDb, orderId: string): Promise<OrderView | undefined> {
  const order = await db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!order) return undefined;
  const [lines, shipments, returns] = await Promise.all([
    db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute(),
    findShipments(db, orderId),
    findReturns(db, orderId),
  ]);
  return {
    orderId: order.order_id,
    customerId: order.customer_id,
    status: order.status,
    lines: lines.map((line) => ({
      sku: line.sku,
      name: line.product_name,
      quantity: line.quantity,
      unitPriceCents: line.unit_price_cents,
      lineTotalCents: line.line_total_cents,
    })),
    totalCents: order.total_cents,
    currency: order.currency,
    ...(order.reason !== null && { reason: order.reason }),
    cancelledLines: lines.filter((line) => line.cancelled_quantity > 0).map((line) => ({ sku: line.sku, quantity: line.cancelled_quantity })),
    shipments,
    returns,
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
  };
}

/** An order's shipments with their lines, in one query, in the order they were shipped. */
async function findShipments(db: OrderDb, orderId: string): Promise<Shipment[]> {
  const rows = await db
    .selectFrom('shipments')
    .selectAll('shipments')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('shipment_lines')
          .select(['shipment_lines.sku', 'shipment_lines.quantity'])
          .whereRef('shipment_lines.order_id', '=', 'shipments.order_id')
          .whereRef('shipment_lines.shipment_id', '=', 'shipments.shipment_id')
          .orderBy('shipment_lines.line_no'),
      ).as('lines'),
    )
    .where('shipments.order_id', '=', orderId)
    .orderBy('shipments.shipped_at')
    .orderBy('shipments.shipment_id')
    .execute();
  return rows.map((row) => ({
    shipmentId: row.shipment_id,
    lines: row.lines,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    shippedAt: row.shipped_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  }));
}

/** An order's returns with their lines, in one query, in the order they were asked for. */
async function findReturns(db: OrderDb, orderId: string): Promise<OrderReturn[]> {
  const rows = await db
    .selectFrom('returns')
    .selectAll('returns')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('return_lines')
          .select(['return_lines.sku', 'return_lines.quantity'])
          .whereRef('return_lines.order_id', '=', 'returns.order_id')
          .whereRef('return_lines.return_id', '=', 'returns.return_id')
          .orderBy('return_lines.line_no'),
      ).as('lines'),
    )
    .where('returns.order_id', '=', orderId)
    .orderBy('returns.requested_at')
    .orderBy('returns.return_id')
    .execute();
  return rows.map((row) => ({
    returnId: row.return_id,
    lines: row.lines,
    reason: row.reason,
    requestedAt: row.requested_at.toISOString(),
    receivedAt: row.received_at?.toISOString() ?? null,
    restocked: row.restocked,
    refundCents: row.refund_cents,
  }));
}

/** Where an order takes shipments and returns: confirmed, and every status after. */
const FULFILLABLE: OrderStatus[] = ['CONFIRMED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED'];

/** Lines numbered from 1, as given (a repeated SKU stays two lines), to insert in one statement. */
function numbered(lines: readonly FulfilmentLine[], failure: string, what: string) {
  if (lines.length === 0) throw new DomainError(failure, `A ${what} needs at least one line`);
  return lines.map((line, index) => ({ line_no: index + 1, sku: line.sku, quantity: line.quantity }));
}

/** After an insert that found no order to take it: the order is missing, or not (or no longer) confirmed. */
async function notFulfillable(db: OrderDb, orderId: string, what: string): Promise<never> {
  const current = await db.selectFrom('orders').select('status').where('order_id', '=', orderId).executeTakeFirst();
  throw new DomainError(ORDER_FAILURE.invalidOrderState, `Order ${orderId} is ${current?.status ?? 'missing'}, cannot take ${what}`, {
    orderId,
    status: current?.status ?? null,
  });
}

/**
 * Records a shipment with its lines, sets the order's status and writes order.shipped (and
 * payment.captured when this shipment captured the payment), in one statement (so one
 * transaction). A replay (same shipment ID) changes nothing and reports when it was first shipped.
 */
export async function recordShipment(
  db: Kysely<OrderDatabase>,
  { orderId, shipment, status, actor, capturedCents }: { orderId: string; shipment: Omit<Shipment, 'shippedAt' | 'deliveredAt'>; status: OrderStatus; actor: Actor; capturedCents?: number },
): Promise<{ changed: boolean; shippedAt: string }> {
  const lines = numbered(shipment.lines, ORDER_FAILURE.notShippable, 'shipment');
  const { shipmentId, carrier, trackingNumber } = shipment;
  const events = [
    newEvent('order.shipped', actor, status, { shipmentId, lines: shipment.lines.map(({ sku, quantity }) => ({ sku, quantity })), carrier, trackingNumber }),
    ...(capturedCents === undefined ? [] : [newEvent('payment.captured', actor, status, { amountCents: capturedCents })]),
  ];
  const recorded = await db
    .with('shipment', (db) =>
      db
        .insertInto('shipments')
        .columns(['order_id', 'shipment_id', 'carrier', 'tracking_number'])
        .expression((eb) =>
          eb
            .selectFrom('orders')
            .select(['order_id', sql<string>`${shipment.shipmentId}::uuid`.as('shipment_id'), sql<string>`${shipment.carrier}::text`.as('carrier'), sql<string>`${shipment.trackingNumber}::text`.as('tracking_number')])
            .where('order_id', '=', orderId)
            .where('status', 'in', FULFILLABLE),
        )
        .onConflict((oc) => oc.columns(['order_id', 'shipment_id']).doNothing())
        .returning(['order_id', 'shipment_id', 'shipped_at']),
    )
    .with('lines', (db) =>
      db
        .insertInto('shipment_lines')
        .columns(['order_id', 'shipment_id', 'line_no', 'sku', 'quantity'])
        .expression((eb) =>
          eb.selectFrom(['shipment', values(lines, 'l', { line_no: 'int', sku: 'text', quantity: 'int' })]).select(['shipment.order_id', 'shipment.shipment_id', 'l.line_no', 'l.sku', 'l.quantity']),
        ),
    )
    .with('status', (db) => db.updateTable('orders').from('shipment').set({ status, updated_at: sql`now()` }).whereRef('orders.order_id', '=', 'shipment.order_id'))
    .with('events', (db) => writeEvents(db, 'shipment', events))
    .selectFrom('shipment')
    .select('shipped_at')
    .executeTakeFirst();
  if (recorded) return { changed: true, shippedAt: recorded.shipped_at.toISOString() };
  // Nothing inserted: the shipment was recorded before (a retry, or a racing attempt that has committed), or the order cannot take one.
  const first = await db.selectFrom('shipments').select('shipped_at').where('order_id', '=', orderId).where('shipment_id', '=', shipment.shipmentId).executeTakeFirst();
  return first ? { changed: false, shippedAt: first.shipped_at.toISOString() } : notFulfillable(db, orderId, 'a shipment');
}

/** Marks a shipment delivered, sets the order's status and writes order.delivered, in one statement; a replay reports the first delivery's time. */
export async function recordDelivery(
  db: Kysely<OrderDatabase>,
  { orderId, shipmentId, status, actor }: { orderId: string; shipmentId: string; status: OrderStatus; actor: Actor },
): Promise<{ changed: boolean; deliveredAt: string }> {
  const delivered = await db
    .with('delivered', (db) =>
      db
        .updateTable('shipments')
        .set({ delivered_at: sql`now()` })
        .where('order_id', '=', orderId)
        .where('shipment_id', '=', shipmentId)
        .where('delivered_at', 'is', null)
        .returning(['order_id', 'delivered_at']),
    )
    .with('status', (db) => db.updateTable('orders').from('delivered').set({ status, updated_at: sql`now()` }).whereRef('orders.order_id', '=', 'delivered.order_id'))
    .with('events', (db) => writeEvents(db, 'delivered', [newEvent('order.delivered', actor, status, { shipmentId })]))
    .selectFrom('delivered')
    .select('delivered_at')
    .executeTakeFirst();
  if (delivered?.delivered_at) return { changed: true, deliveredAt: delivered.delivered_at.toISOString() };
  const first = await db.selectFrom('shipments').select('delivered_at').where('order_id', '=', orderId).where('shipment_id', '=', shipmentId).executeTakeFirst();
  if (!first?.delivered_at) throw new DomainError(ORDER_FAILURE.unknownShipment, `Order ${orderId} has no shipment ${shipmentId}`, { orderId, shipmentId });
  return { changed: false, deliveredAt: first.delivered_at.toISOString() };
}

/** Records a return asked for, with its lines and order.return_requested, in one statement; a replay (same return ID) reports when it was first asked for. */
export async function recordReturn(
  db: Kysely<OrderDatabase>,
  { orderId, returnId, lines, reason, actor }: { orderId: string; returnId: string; lines: FulfilmentLine[]; reason: string; actor: Actor },
): Promise<{ changed: boolean; requestedAt: string }> {
  const rows = numbered(lines, ORDER_FAILURE.notReturnable, 'return');
  const recorded = await db
    .with('asked', (db) =>
      db
        .insertInto('returns')
        .columns(['order_id', 'return_id', 'reason'])
        .expression((eb) =>
          eb
            .selectFrom('orders')
            .select(['order_id', sql<string>`${returnId}::uuid`.as('return_id'), sql<string>`${reason}::text`.as('reason')])
            .where('order_id', '=', orderId)
            .where('status', 'in', FULFILLABLE),
        )
        .onConflict((oc) => oc.columns(['order_id', 'return_id']).doNothing())
        .returning(['order_id', 'return_id', 'requested_at']),
    )
    .with('lines', (db) =>
      db
        .insertInto('return_lines')
        .columns(['order_id', 'return_id', 'line_no', 'sku', 'quantity'])
        .expression((eb) => eb.selectFrom(['asked', values(rows, 'l', { line_no: 'int', sku: 'text', quantity: 'int' })]).select(['asked.order_id', 'asked.return_id', 'l.line_no', 'l.sku', 'l.quantity'])),
    )
    // Asking for a return changes the order (its view), not its status: that waits for the receipt.
    .with('touched', (db) => db.updateTable('orders').from('asked').set({ updated_at: sql`now()` }).whereRef('orders.order_id', '=', 'asked.order_id'))
    // The status it leaves the order in is the one the order has.
    .with('events', (db) => writeEvents(db, 'asked', [newEvent('order.return_requested', actor, undefined, { returnId, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })), reason })]))
    .selectFrom('asked')
    .select('requested_at')
    .executeTakeFirst();
  if (recorded) return { changed: true, requestedAt: recorded.requested_at.toISOString() };
  const first = await db.selectFrom('returns').select('requested_at').where('order_id', '=', orderId).where('return_id', '=', returnId).executeTakeFirst();
  return first ? { changed: false, requestedAt: first.requested_at.toISOString() } : notFulfillable(db, orderId, 'a return');
}

/**
 * Marks a return received (restocked or not, what was refunded), sets the order's status and writes
 * order.returned (and payment.refunded for a refund), in one statement; a replay reports the first receipt's time.
 */
export async function recordReturnReceipt(
  db: Kysely<OrderDatabase>,
  { orderId, returnId, restocked, refundCents, status, actor }: { orderId: string; returnId: string; restocked: boolean; refundCents: number; status: OrderStatus; actor: Actor },
): Promise<{ changed: boolean; receivedAt: string }> {
  const events = [
    newEvent('order.returned', actor, status, { returnId, restocked, refundCents }),
    ...(refundCents > 0 ? [newEvent('payment.refunded', actor, status, { refundId: returnId, amountCents: refundCents })] : []),
  ];
  const received = await db
    .with('received', (db) =>
      db
        .updateTable('returns')
        .set({ received_at: sql`now()`, restocked, refund_cents: refundCents })
        .where('order_id', '=', orderId)
        .where('return_id', '=', returnId)
        .where('received_at', 'is', null)
        .returning(['order_id', 'received_at']),
    )
    .with('status', (db) => db.updateTable('orders').from('received').set({ status, updated_at: sql`now()` }).whereRef('orders.order_id', '=', 'received.order_id'))
    .with('events', (db) => writeEvents(db, 'received', events))
    .selectFrom('received')
    .select('received_at')
    .executeTakeFirst();
  if (received?.received_at) return { changed: true, receivedAt: received.received_at.toISOString() };
  const first = await db.selectFrom('returns').select('received_at').where('order_id', '=', orderId).where('return_id', '=', returnId).executeTakeFirst();
  if (!first?.received_at) throw new DomainError(ORDER_FAILURE.unknownReturn, `Order ${orderId} has no return ${returnId}`, { orderId, returnId });
  return { changed: false, receivedAt: first.received_at.toISOString() };
}

/** Where an order may still have units to ship, so may have some cancelled as never shipping. */
const SHIPPING: OrderStatus[] = ['CONFIRMED', 'PARTIALLY_SHIPPED'];

/**
 * Records units that will never ship (the fulfilment window closed on them): each named SKU's
 * cancelled_quantity and the status passed, in one statement, only while the order is still
 * shipping and every named line has none cancelled, with order.unshipped_cancelled (and
 * payment.refunded for a refund, refund ID UNSHIPPED_REFUND). So a replay, or an attempt racing this
 * one (its update waits on the lines' locks, then finds them set), changes nothing and reports so.
 */
export async function recordUnshippedCancelled(
  db: Kysely<OrderDatabase>,
  { orderId, lines, refundCents, status }: { orderId: string; lines: FulfilmentLine[]; refundCents: number; status: OrderStatus },
): Promise<{ changed: boolean }> {
  if (lines.length === 0) throw new DomainError(ORDER_FAILURE.notShippable, `Order ${orderId}: no unshipped lines to cancel`, { orderId });
  const skus = lines.map((line) => line.sku);
  const rows = lines.map((line) => ({ sku: line.sku, quantity: line.quantity }));
  const events = [
    newEvent('order.unshipped_cancelled', SYSTEM_ACTOR, status, { lines: rows, refundCents }),
    ...(refundCents > 0 ? [newEvent('payment.refunded', SYSTEM_ACTOR, status, { refundId: UNSHIPPED_REFUND, amountCents: refundCents })] : []),
  ];
  const cancelled = await db
    .with('cancelled', (db) =>
      db
        .updateTable('order_lines')
        .from(['orders', values(rows, 'l', { sku: 'text', quantity: 'int' })])
        .set((eb) => ({ cancelled_quantity: eb.ref('l.quantity') }))
        .whereRef('orders.order_id', '=', 'order_lines.order_id')
        .whereRef('order_lines.sku', '=', 'l.sku')
        .where('order_lines.order_id', '=', orderId)
        .where('orders.status', 'in', SHIPPING)
        // Rechecked on the row's newest version when a racing attempt committed first.
        .where('order_lines.cancelled_quantity', '=', 0)
        // Every named SKU is a line of the order with nothing cancelled yet: all of them or none.
        .where((eb) =>
          eb(
            eb.selectFrom('order_lines as named').select((eb) => eb.fn.countAll().as('n')).where('named.order_id', '=', orderId).where('named.sku', 'in', skus).where('named.cancelled_quantity', '=', 0),
            '=',
            sql<bigint>`${lines.length}::bigint`,
          ),
        )
        .returning('order_lines.order_id'),
    )
    .with('status', (db) =>
      db
        .updateTable('orders')
        .set({ status, updated_at: sql`now()` })
        .where('order_id', '=', orderId)
        .where(({ exists, selectFrom }) => exists(selectFrom('cancelled').select('cancelled.order_id')))
        .returning('order_id'),
    )
    // One row per order changed (`cancelled` has one per line).
    .with('events', (db) => writeEvents(db, 'status', events))
    .selectFrom('cancelled')
    .select((eb) => eb.fn.countAll<string>().as('lines'))
    .executeTakeFirstOrThrow();
  if (Number(cancelled.lines) > 0) return { changed: true };
  // Nothing set: recorded before (a retry, or a racing attempt that has committed), or the order cannot take it.
  const recorded = await db.selectFrom('order_lines').select('sku').where('order_id', '=', orderId).where('sku', 'in', skus).where('cancelled_quantity', '>', 0).executeTakeFirst();
  if (recorded) return { changed: false };
  const current = await db.selectFrom('orders').select('status').where('order_id', '=', orderId).executeTakeFirst();
  if (current && SHIPPING.includes(current.status)) {
    throw new DomainError(ORDER_FAILURE.notShippable, `Order ${orderId} does not have every line of ${skus.join(', ')} to cancel`, { orderId, skus });
  }
  return notFulfillable(db, orderId, 'a cancellation of unshipped units');
}
