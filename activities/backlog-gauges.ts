import { sql, type Kysely } from 'kysely';
import { Gauge, type Registry } from 'prom-client';

export interface Backlog {
  count: number;
  oldestSeconds: number;
}

/**
 * Two gauges read from the database at scrape time: how many items wait, and how long the oldest
 * has waited (0 when none). One query per scrape serves both.
 */
export function registerBacklogGauges(registry: Registry, names: { count: string; oldest: string; what: string }, sample: () => Promise<Backlog>): void {
  let inFlight: Promise<Backlog> | undefined;
  // A database outage must not take the whole scrape (and the SDK's metrics with it) down: the
  // gauges read NaN until the database answers again.
  const unknown: Backlog = { count: Number.NaN, oldestSeconds: Number.NaN };
  const once = () =>
    (inFlight ??= sample()
      .catch(() => unknown)
      .finally(() => setTimeout(() => (inFlight = undefined), 1_000).unref()));
  new Gauge({ name: names.count, help: `${names.what} now`, registers: [registry], async collect() { this.set((await once()).count); } });
  new Gauge({ name: names.oldest, help: `Age in seconds of the oldest of: ${names.what} (0 when none)`, registers: [registry], async collect() { this.set((await once()).oldestSeconds); } });
}

type PendingRows = Record<string, { status: string; created_at: Date }>;

/** How many rows of a service's table are PENDING, and how old the oldest is (tables with `status` and `created_at`). */
export async function pendingBacklog(db: object, table: string): Promise<Backlog> {
  const row = await (db as unknown as Kysely<PendingRows>)
    .selectFrom(table)
    .select([sql<string>`count(*)`.as('count'), sql<string | null>`extract(epoch from now() - min(created_at))`.as('oldest')])
    .where('status', '=', 'PENDING')
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldestSeconds: Number(row.oldest ?? 0) };
}
