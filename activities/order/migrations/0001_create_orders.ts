import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE orders.orders (
      order_id          uuid PRIMARY KEY,
      customer_id       text NOT NULL,
      customer_email    text NOT NULL,
      status            text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED')),
      reason            text,
      total_cents       integer CHECK (total_cents >= 0),
      currency          char(3) CHECK (currency ~ '^[A-Z]{3}$'),
      shipping_address  jsonb,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      CHECK (status <> 'REJECTED' OR reason IS NOT NULL),
      CHECK (status <> 'CONFIRMED' OR (total_cents IS NOT NULL AND currency IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX orders_customer_recent_idx ON orders.orders (customer_id, created_at DESC, order_id DESC)`.execute(db);
  await sql`CREATE INDEX orders_recent_idx ON orders.orders (created_at DESC, order_id DESC)`.execute(db);

  // Prices are a snapshot taken when the order is confirmed; null until then.
  await sql`
    CREATE TABLE orders.order_lines (
      order_id          uuid NOT NULL REFERENCES orders.orders (order_id),
      line_no           integer NOT NULL CHECK (line_no >= 1),
      sku               text NOT NULL,
      quantity          integer NOT NULL CHECK (quantity > 0),
      product_name      text,
      unit_price_cents  integer CHECK (unit_price_cents >= 0),
      line_total_cents  integer CHECK (line_total_cents >= 0),
      PRIMARY KEY (order_id, line_no),
      UNIQUE (order_id, sku)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE orders.order_lines, orders.orders`.execute(db);
}
