import { sql, type Kysely } from 'kysely';

// A void that found no payment leaves its order here: an authorisation still being made when the
// order was cancelled (an attempt cut short by a cancellation through Temporal, still running) is
// then voided as soon as it is recorded, instead of holding the customer's funds for days.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE payment.voids_before_authorisation (
      order_id    uuid PRIMARY KEY,
      reason      text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE payment.voids_before_authorisation`.execute(db);
}
