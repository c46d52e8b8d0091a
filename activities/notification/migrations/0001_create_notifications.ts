import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per (order, kind): recorded before sending, marked SENT after, so a retried
  // activity never sends what was already sent.
  await sql`
    CREATE TABLE notification.notifications (
      order_id    uuid NOT NULL,
      kind        text NOT NULL CHECK (kind IN ('ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED')),
      recipient   text NOT NULL,
      subject     text NOT NULL,
      message_id  text NOT NULL UNIQUE,
      status      text NOT NULL CHECK (status IN ('PENDING', 'SENT')),
      attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error  text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      sent_at     timestamptz,
      PRIMARY KEY (order_id, kind),
      CHECK (status <> 'SENT' OR sent_at IS NOT NULL)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE notification.notifications`.execute(db);
}
