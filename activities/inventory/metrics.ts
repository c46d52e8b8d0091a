import { Counter, Registry } from 'prom-client';
import { RESERVATION_REJECTIONS } from './contract.js';

/** Stock in numbers, counted once per real change. The names are what the dashboard and the alert rules read. */
export function createInventoryMetrics(registry: Registry = new Registry()) {
  const registers = [registry];
  const metrics = {
    reservations: new Counter({
      name: 'orderflow_stock_reservations_total',
      help: 'Reservation attempts for an order, by result (reserved, rejected) and reason',
      labelNames: ['result', 'reason'] as const,
      registers,
    }),
    releases: new Counter({ name: 'orderflow_stock_releases_total', help: 'Reservations given back (cancellations, failed confirmations)', registers }),
    commits: new Counter({ name: 'orderflow_stock_commits_total', help: 'Reservations committed (stock shipped to confirmed orders)', registers }),
    returnRestocks: new Counter({ name: 'orderflow_stock_return_restocks_total', help: 'Returns whose units went back on hand (each return once)', registers }),
    unshippedReleases: new Counter({ name: 'orderflow_stock_unshipped_releases_total', help: 'Orders whose units that never shipped went back on hand (each order once)', registers }),
    adjustments: new Counter({
      name: 'orderflow_stock_adjustments_total',
      help: 'Stock adjustments applied, by direction (restock, write_off)',
      labelNames: ['direction'] as const,
      registers,
    }),
  };
  // Every series exists from the start, so that rates and alerts see a 0 rather than nothing.
  metrics.reservations.inc({ result: 'reserved', reason: '' }, 0);
  for (const reason of RESERVATION_REJECTIONS) metrics.reservations.inc({ result: 'rejected', reason }, 0);
  for (const direction of ['restock', 'write_off'] as const) metrics.adjustments.inc({ direction }, 0);
  return metrics;
}

export type InventoryMetrics = ReturnType<typeof createInventoryMetrics>;
