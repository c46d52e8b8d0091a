import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The business in numbers, counted where it happens (each service's activities), once per real
 * change: a retried activity that finds its work done counts nothing. Served by each worker's
 * /metrics next to the Temporal SDK's own metrics; the names are what dashboards/ and the
 * alert rules read.
 */
export function createBusinessMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  return {
    registry,
    ordersPlaced: new Counter({ name: 'orderflow_orders_placed_total', help: 'Orders recorded as PENDING', registers }),
    ordersDecided: new Counter({
      name: 'orderflow_orders_decided_total',
      help: 'Orders leaving PENDING or CONFIRMED, by outcome (confirmed, rejected, cancelled) and reason',
      labelNames: ['outcome', 'reason'] as const,
      registers,
    }),
    reservations: new Counter({
      name: 'orderflow_stock_reservations_total',
      help: 'Reservation attempts for an order, by result (reserved, rejected) and reason',
      labelNames: ['result', 'reason'] as const,
      registers,
    }),
    releases: new Counter({ name: 'orderflow_stock_releases_total', help: 'Reservations given back (cancellations, failed confirmations)', registers }),
    commits: new Counter({ name: 'orderflow_stock_commits_total', help: 'Reservations committed (stock shipped to confirmed orders)', registers }),
    adjustments: new Counter({
      name: 'orderflow_stock_adjustments_total',
      help: 'Stock adjustments applied, by direction (restock, write_off)',
      labelNames: ['direction'] as const,
      registers,
    }),
    emails: new Counter({
      name: 'orderflow_emails_total',
      help: 'Order email send attempts, by kind and result (sent, failed)',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    emailRetries: new Counter({ name: 'orderflow_email_retries_total', help: 'Order email attempts after the first, by kind', labelNames: ['kind'] as const, registers }),
    stepDuration: new Histogram({
      name: 'orderflow_saga_step_duration_seconds',
      help: 'Activity (saga step) execution time, by activity and outcome (ok, rejected, failed)',
      labelNames: ['activity', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
  };
}

export type BusinessMetrics = ReturnType<typeof createBusinessMetrics>;

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
