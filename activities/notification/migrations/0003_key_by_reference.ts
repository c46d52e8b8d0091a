import { sql, type Kysely } from 'kysely';

// An order gets one email of a kind per shipment, return or refund: the reference joins the key.
// The order's own emails (confirmed, rejected, cancelled) have reference '', existing rows too.
// A reference is an ID, and goes into the Message-ID: only characters a Message-ID takes as they are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE notification.notifications
      ADD COLUMN reference text NOT NULL DEFAULT '' CHECK (reference ~ '^[A-Za-z0-9._-]{0,100}$'),
      DROP CONSTRAINT notifications_kind_check,
      ADD CONSTRAINT notifications_kind_check CHECK (kind IN (
        'ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'RETURN_RECEIVED', 'REFUND_ISSUED')),
      DROP CONSTRAINT notifications_pkey,
      ADD PRIMARY KEY (order_id, kind, reference)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE notification.notifications
      DROP CONSTRAINT notifications_pkey,
      ADD PRIMARY KEY (order_id, kind),
      DROP CONSTRAINT notifications_kind_check,
      ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED')),
      DROP COLUMN reference`.execute(db);
}
