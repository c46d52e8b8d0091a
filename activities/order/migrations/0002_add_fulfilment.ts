import { sql, type Kysely } from 'kysely';

// Frozen: the statuses and limits are written out here, not imported, so this migration means
// the same thing whatever the contract says later.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE orders.orders
      DROP CONSTRAINT orders_status_check,
      ADD CONSTRAINT orders_status_check CHECK (status IN (
        'PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED'))`.execute(db);

  // One row per shipment ID: a replayed record finds it and changes nothing.
  await sql`
    CREATE TABLE orders.shipments (
      order_id         uuid NOT NULL REFERENCES orders.orders (order_id),
      shipment_id      uuid NOT NULL,
      carrier          text NOT NULL CHECK (char_length(carrier) BETWEEN 1 AND 100),
      tracking_number  text NOT NULL CHECK (char_length(tracking_number) BETWEEN 1 AND 100),
      shipped_at       timestamptz NOT NULL DEFAULT now(),
      delivered_at     timestamptz,
      PRIMARY KEY (order_id, shipment_id),
      CHECK (delivered_at >= shipped_at)
    )`.execute(db);

  // Lines as given (a SKU may repeat: the rules add them up), numbered like an order's lines.
  await sql`
    CREATE TABLE orders.shipment_lines (
      order_id     uuid NOT NULL,
      shipment_id  uuid NOT NULL,
      line_no      integer NOT NULL CHECK (line_no >= 1),
      sku          text NOT NULL,
      quantity     integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (order_id, shipment_id, line_no),
      FOREIGN KEY (order_id, shipment_id) REFERENCES orders.shipments (order_id, shipment_id)
    )`.execute(db);

  // One row per return ID; what happened on receipt (restocked, refunded) is set with received_at.
  await sql`
    CREATE TABLE orders.returns (
      order_id      uuid NOT NULL REFERENCES orders.orders (order_id),
      return_id     uuid NOT NULL,
      reason        text NOT NULL CHECK (char_length(reason) <= 500),
      requested_at  timestamptz NOT NULL DEFAULT now(),
      received_at   timestamptz,
      restocked     boolean,
      refund_cents  integer CHECK (refund_cents >= 0),
      PRIMARY KEY (order_id, return_id),
      CHECK ((received_at IS NULL) = (restocked IS NULL) AND (received_at IS NULL) = (refund_cents IS NULL)),
      CHECK (received_at >= requested_at)
    )`.execute(db);

  await sql`
    CREATE TABLE orders.return_lines (
      order_id   uuid NOT NULL,
      return_id  uuid NOT NULL,
      line_no    integer NOT NULL CHECK (line_no >= 1),
      sku        text NOT NULL,
      quantity   integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (order_id, return_id, line_no),
      FOREIGN KEY (order_id, return_id) REFERENCES orders.returns (order_id, return_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE orders.return_lines, orders.returns, orders.shipment_lines, orders.shipments`.execute(db);
  await sql`
    ALTER TABLE orders.orders
      DROP CONSTRAINT orders_status_check,
      ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'))`.execute(db);
}
