import { sql, type Kysely } from 'kysely';

// The pending-deliveries gauges (count and oldest created_at WHERE status = 'PENDING') are read at
// every scrape by every notification replica, and the delivery log is never pruned: without this
// index each scrape scans the whole table (about 250 ms and three cores at a million deliveries,
// growing with it); with it, an index-only scan of the pending rows (under 1 ms). Partial, so it
// stays as small as the backlog.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX webhook_deliveries_pending ON notification.webhook_deliveries (created_at) WHERE status = 'PENDING'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX notification.webhook_deliveries_pending`.execute(db);
}
