import { sql, type Kysely } from 'kysely';

// Frozen: the event types and statuses are written out here, not imported, so this migration means
// the same thing whatever the contract says later.
//
// An order's timeline, written in the same statement as each change it records. event_seq is the
// global order (the outbox is published in it, and an order's timeline is read in it); event_id is
// what a webhook receiver de-duplicates by. published_at is null until the webhook relay has
// published the event: the partial index keeps the outbox's poll cheap however long the timeline grows.
// The API's reader role reads it through the schema's default privileges (cli/database-setup.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE orders.order_events (
      event_seq     bigserial PRIMARY KEY,
      event_id      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      order_id      uuid NOT NULL REFERENCES orders.orders (order_id),
      type          text NOT NULL CHECK (type IN (
        'order.placed', 'order.confirmed', 'order.rejected', 'order.cancelled', 'order.shipped', 'order.delivered',
        'order.return_requested', 'order.returned', 'order.unshipped_cancelled', 'payment.captured', 'payment.refunded')),
      actor         jsonb NOT NULL CHECK (actor->>'kind' IN ('customer', 'staff', 'system') AND actor->>'id' IS NOT NULL),
      status        text NOT NULL CHECK (status IN (
        'PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED')),
      details       jsonb NOT NULL CHECK (jsonb_typeof(details) = 'object'),
      at            timestamptz NOT NULL DEFAULT now(),
      published_at  timestamptz
    )`.execute(db);
  await sql`CREATE INDEX order_events_order_idx ON orders.order_events (order_id, event_seq)`.execute(db);
  await sql`CREATE INDEX order_events_unpublished_idx ON orders.order_events (event_seq) WHERE published_at IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE orders.order_events`.execute(db);
}
