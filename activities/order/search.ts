import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import { cursorInstant, decodeCursor, toPage, type Page } from '../../common/pagination.js';
import type { OrderListQuery, OrderSummary } from './contract.js';
import type { OrderDb } from './schema.js';

/**
 * Order search (GET /orders): by customer, status, creation time and SKU, newest first, keyset
 * paged. The indexes and the lines' copy of their order's creation time come from migration
 * 0005_add_search_indexes; bench/order-search.ts measures every shape at a million orders.
 */

const OrderCursor = z.tuple([cursorInstant(), z.uuid()]);
type Cursor = z.infer<typeof OrderCursor>;

/**
 * Newest first; every filter given must hold. With a SKU the query is driven from the lines of
 * that SKU in their (sku, order_created_at, order_id) index, already in page order: a page reads
 * about `limit` index entries whether the SKU is on half the orders or on three. Without one it
 * walks an index of orders (recent, by status or by customer) the same way.
 */
export async function searchOrders<DB>(connection: Kysely<DB> | Transaction<DB>, query: OrderListQuery): Promise<Page<OrderSummary>> {
  const db = connection as unknown as OrderDb;
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, OrderCursor);
  // The sort key's columns on the table that drives the query: range and cursor conditions must
  // name them for its index to take them (PostgreSQL carries equalities across a join, not ranges).
  const [at, id] = query.sku === undefined ? (['o.created_at', 'o.order_id'] as const) : (['l.order_created_at', 'l.order_id'] as const);
  const select = db
    .selectFrom('orders as o')
    .$if(query.sku !== undefined, (rows) => rows.innerJoin('order_lines as l', (join) => join.onRef('l.order_id', '=', 'o.order_id').on('l.sku', '=', query.sku!)))
    .select(['o.order_id', 'o.customer_id', 'o.status', 'o.total_cents', 'o.currency', 'o.created_at', 'o.updated_at'])
    // The cursor's time to the microsecond, as stored: cut to a Date's millisecond, it would skip an
    // order created later in the same millisecond as a page's last one.
    .select(sql<string>`to_char(${sql.ref(at)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key'))
    .$if(query.customerId !== undefined, (rows) => rows.where('o.customer_id', '=', query.customerId!))
    .$if(query.status !== undefined, (rows) => rows.where('o.status', '=', query.status!))
    .$if(query.from !== undefined, (rows) => rows.where(sql.ref(at), '>=', sql<Date>`${query.from}::timestamptz`))
    .$if(query.to !== undefined, (rows) => rows.where(sql.ref(at), '<', sql<Date>`${query.to}::timestamptz`))
    .$if(after !== undefined, (rows) => rows.where(sql<boolean>`(${sql.ref(at)}, ${sql.ref(id)}) < (${after![0]}::timestamptz, ${after![1]}::uuid)`))
    // The same bounds on the order's own time (equal to the line's, by the foreign key), so that a
    // plan led by the customer's or the status's index reads only the range too.
    .$if(query.sku !== undefined && query.from !== undefined, (rows) => rows.where('o.created_at', '>=', sql<Date>`${query.from}::timestamptz`))
    .$if(query.sku !== undefined && query.to !== undefined, (rows) => rows.where('o.created_at', '<', sql<Date>`${query.to}::timestamptz`))
    .$if(query.sku !== undefined && after !== undefined, (rows) => rows.where(sql<boolean>`(o.created_at, o.order_id) < (${after![0]}::timestamptz, ${after![1]}::uuid)`))
    .orderBy(sql.ref(at), 'desc')
    .orderBy(sql.ref(id), 'desc')
    .limit(query.limit + 1);
  // One line per (order, SKU) (the lines' unique key): the join finds an order at most once.
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
