import { sql, type Kysely } from 'kysely';

// A circuit breaker per webhook subscription: a receiver that has failed (no answer, 5xx, 408, 429)
// this many attempts in a row is "open" until open_until; meanwhile its attempts make no request
// and take no attempt slot for the 10 s a dead receiver holds one. Both columns are set by the
// statement that finishes an attempt (webhooks.repository.ts finishAttempt), and open_until also by
// the attempt that claims the probe once the cool-down has passed. Adding a column with a constant
// default rewrites nothing (PostgreSQL 11+).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE notification.webhook_subscriptions
      ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
      ADD COLUMN open_until timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notification.webhook_subscriptions DROP COLUMN open_until, DROP COLUMN consecutive_failures`.execute(db);
}
