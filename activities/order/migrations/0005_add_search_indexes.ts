import { sql, type Kysely } from 'kysely';

// Order search for staff (GET /orders by customer, status, creation time and SKU, newest first),
// indexes chosen by measurement at a million orders: bench/results/2026-12-07-order-search.md.
// Frozen: nothing imported, so this migration means the same thing whatever the code says later.
export async function up(db: Kysely<unknown>): Promise<void> {
  // A status, newest first: without it a rare status (PENDING, PARTIALLY_SHIPPED) walks most of
  // orders_recent_idx to fill a page.
  await sql`CREATE INDEX orders_status_recent_idx ON orders.orders (status, created_at DESC, order_id DESC)`.execute(db);

  // "Orders having SKU X, newest first" needs the order's time beside the SKU: each line carries
  // its order's created_at, kept equal by a foreign key (which needs the pair unique on orders).
  // The default fills it when the order and its lines are written in one transaction, as they are.
  await sql`ALTER TABLE orders.orders ADD CONSTRAINT orders_order_id_created_at_key UNIQUE (order_id, created_at)`.execute(db);
  await sql`ALTER TABLE orders.order_lines ADD COLUMN order_created_at timestamptz`.execute(db);
  await sql`UPDATE orders.order_lines l SET order_created_at = o.created_at FROM orders.orders o WHERE o.order_id = l.order_id`.execute(db);
  await sql`
    ALTER TABLE orders.order_lines
      ALTER COLUMN order_created_at SET DEFAULT now(),
      ALTER COLUMN order_created_at SET NOT NULL,
      ADD CONSTRAINT order_lines_order_created_at_fkey FOREIGN KEY (order_id, order_created_at)
        REFERENCES orders.orders (order_id, created_at) ON UPDATE CASCADE`.execute(db);
  await sql`CREATE INDEX order_lines_sku_recent_idx ON orders.order_lines (sku, order_created_at DESC, order_id DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX orders.order_lines_sku_recent_idx`.execute(db);
  await sql`ALTER TABLE orders.order_lines DROP COLUMN order_created_at`.execute(db);
  await sql`ALTER TABLE orders.orders DROP CONSTRAINT orders_order_id_created_at_key`.execute(db);
  await sql`DROP INDEX orders.orders_status_recent_idx`.execute(db);
}
