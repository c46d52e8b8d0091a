import type { Kysely } from 'kysely';
import { Context } from '@temporalio/activity';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import { createBusinessMetrics, type BusinessMetrics } from '../../common/business-metrics.js';
import { rejectionAsResult, type Outcome } from '../../common/outcome.js';
import { adjustmentLedgerKey, adjustStock, commitReservation, initialiseStock, releaseReservation, reserveStock, type ReservationLine, type ReservationOutcome } from './repository.js';
import type { InventoryDatabase } from './schema.js';

export interface InventoryActivityDeps {
  db: Kysely<InventoryDatabase>;
  log: Logger;
  metrics?: BusinessMetrics;
}

/** Ledger entries made by a workflow name it as their actor, unless a person is named. */
const workflowActor = () => {
  const { info } = Context.current();
  return `workflow:${info.workflowExecution?.workflowId ?? info.activityId}`;
};

export function createInventoryActivities({ db, log, metrics = createBusinessMetrics() }: InventoryActivityDeps) {
  // Every series exists from the start, so that rates and alerts see a 0 rather than nothing.
  metrics.reservations.inc({ result: 'reserved', reason: '' }, 0);
  for (const reason of ['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'] as const) metrics.reservations.inc({ result: 'rejected', reason }, 0);
  for (const direction of ['restock', 'write_off'] as const) metrics.adjustments.inc({ direction }, 0);
  return {
    async reserveStock(input: { orderId: string; lines: ReservationLine[] }) {
      const outcome = await reserveStock(db, { ...input, actor: workflowActor() });
      activityLogger(log, { orderId: input.orderId }).debug(outcome, 'reserve stock');
      return outcome;
    },

    /** reserveStock with a shortage (or an SKU without stock) as a result rather than a failure. */
    async reserveOrderStock(input: { orderId: string; lines: ReservationLine[] }): Promise<Outcome<ReservationOutcome>> {
      const outcome = await rejectionAsResult(async () => {
        const reserved = await reserveStock(db, { ...input, actor: workflowActor() });
        activityLogger(log, { orderId: input.orderId }).debug(reserved, 'reserve stock');
        return reserved;
      });
      if (!outcome.ok) metrics.reservations.inc({ result: 'rejected', reason: outcome.reason });
      else if (outcome.value.changed) metrics.reservations.inc({ result: 'reserved', reason: '' });
      return outcome;
    },

    async commitReservation(input: { orderId: string }) {
      const outcome = await commitReservation(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.commits.inc();
      activityLogger(log, { orderId: input.orderId }).debug(outcome, 'commit reservation');
      return outcome;
    },

    async releaseReservation(input: { orderId: string; reason: string }) {
      const outcome = await releaseReservation(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.releases.inc();
      activityLogger(log, { orderId: input.orderId }).info(outcome, 'release reservation');
      return outcome;
    },

    async initialiseStock(input: { sku: string; onHand: number; actor: string }) {
      const level = await initialiseStock(db, { ...input, idempotencyKey: `init:${input.sku}` });
      activityLogger(log, { sku: input.sku }).info(level, 'stock initialised');
      return level;
    },

    /** `requestId` makes the adjustment apply once however often the activity is retried. */
    async adjustStock(input: { sku: string; delta: number; reason: string; actor: string; requestId: string }) {
      const { requestId, ...rest } = input;
      const { applied, ...level } = await adjustStock(db, { ...rest, idempotencyKey: adjustmentLedgerKey(requestId) });
      if (applied) metrics.adjustments.inc({ direction: input.delta > 0 ? 'restock' : 'write_off' });
      activityLogger(log, { sku: input.sku }).info({ ...level, delta: input.delta, applied }, 'stock adjusted');
      return level;
    },
  };
}

export type InventoryActivities = ReturnType<typeof createInventoryActivities>;
