import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { DomainError } from '../../common/domain-error.js';
import { values } from './sql-values.js';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import type { OrderDatabase, OrderDb } from './schema.js';
import { ORDER_FAILURE, type NewOrder, type OrderListQuery, type OrderStatus, type OrderSummary, type OrderView, type PricedOrder } from './contract.js';

const OrderCursor = z.tuple([z.iso.datetime(), z.uuid()]);
type Cursor = z.infer<typeof OrderCursor>;

/** Records a new PENDING order with its lines, in one statement. A replay (same order ID) changes nothing. */
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
    .selectFrom('inserted')
    .select('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Moves an order from one of `from` to `to`. Already in `to` is a replay and succeeds;
 * any other state is a non-retryable INVALID_ORDER_STATE.
 */
async function transition(
  db: OrderDb,
  orderId: string,
  from: OrderStatus[],
  to: OrderStatus,
  extra: { reason?: string; total_cents?: number; currency?: string } = {},
): Promise<{ changed: boolean }> {
  const updated = await db
    .updateTable('orders')
    .set({ status: to, updated_at: sql`now()`, ...extra })
    .where('order_id', '=', orderId)
    .where('status', 'in', from)
    .returning('order_id')
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

/** PENDING to CONFIRMED with the total, and each line's price snapshot, in one statement. */
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
    .selectFrom('confirmed')
    .select('order_id')
    .executeTakeFirst();
  return confirmed ? { changed: true } : unchanged(db, orderId, 'CONFIRMED');
}

export async function rejectOrder(db: OrderDb, orderId: string, reason: string) {
  return transition(db, orderId, ['PENDING'], 'REJECTED', { reason });
}

export async function cancelOrder(db: OrderDb, orderId: string, reason: string) {
  return transition(db, orderId, ['PENDING', 'CONFIRMED'], 'CANCELLED', { reason });
}

export async function findOrder(db: OrderDb, orderId: string): Promise<OrderView | undefined> {
  const order = await db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!order) return undefined;
  const lines = await db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute();
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
    createdAt: order.created_at.toISOString(),
    updatedAt: order.updated_at.toISOString(),
  };
}

/** Newest first; a customer sees only their own orders. */
export async function listOrders(db: OrderDb, query: OrderListQuery): Promise<Page<OrderSummary>> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, OrderCursor);
  let select = db
    .selectFrom('orders')
    .select(['order_id', 'customer_id', 'status', 'total_cents', 'currency', 'created_at', 'updated_at'])
    // The cursor's time to the microsecond, as stored: cut to a Date's millisecond, it would skip an
    // order created later in the same millisecond as a page's last one.
    .select(sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key'))
    .orderBy('created_at', 'desc')
    .orderBy('order_id', 'desc')
    .limit(query.limit + 1);
  if (query.customerId !== undefined) select = select.where('customer_id', '=', query.customerId);
  if (query.status !== undefined) select = select.where('status', '=', query.status);
  if (after !== undefined) {
    select = select.where(sql<boolean>`(created_at, order_id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  }
  const rows = await select.execute();
  return toPage(
    rows,
    query.limit,
    (row) => ({
      orderId: row.order_id,
      customerId: row.customer_id,
      status: row.status,
      totalCents: row.total_cents,
      currency: row.currency,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    }),
    (row): Cursor => [row.created_key, row.order_id],
  );
}
