import type { Kysely } from 'kysely';
import { Context } from '@temporalio/activity';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import { refusalAsResult } from '../../common/outcome.js';
import { ADJUSTMENT_REFUSALS, RESERVATION_REJECTIONS, type InventoryActivities } from './contract.js';
import { createInventoryMetrics, type InventoryMetrics } from './metrics.js';
import { adjustmentLedgerKey, adjustStock, commitReservation, initialiseStock, releaseReservation, releaseUnshipped, reserveStock, restockReturn } from './repository.js';
import type { InventoryDatabase } from './schema.js';

export interface InventoryActivityDeps {
  db: Kysely<InventoryDatabase>;
  log: Logger;
  metrics?: InventoryMetrics;
}

/** Ledger entries made by a workflow name it as their actor, unless a person is named. */
const workflowActor = () => {
  const { info } = Context.current();
  return `workflow:${info.workflowExecution?.workflowId ?? info.activityId}`;
};

export function createInventoryActivities({ db, log, metrics = createInventoryMetrics() }: InventoryActivityDeps): InventoryActivities {
  return {
    async reserveOrderStock(input) {
      const outcome = await refusalAsResult(RESERVATION_REJECTIONS, () => reserveStock(db, { ...input, actor: workflowActor() }));
      activityLogger(log, { orderId: input.orderId }).debug(outcome, 'reserve stock');
      if (!outcome.ok) metrics.reservations.inc({ result: 'rejected', reason: outcome.reason });
      else if (outcome.value.changed) metrics.reservations.inc({ result: 'reserved', reason: '' });
      return outcome;
    },

    async commitReservation(input) {
      const outcome = await commitReservation(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.commits.inc();
      activityLogger(log, { orderId: input.orderId }).debug(outcome, 'commit reservation');
      return outcome;
    },

    async releaseReservation(input) {
      const outcome = await releaseReservation(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.releases.inc();
      activityLogger(log, { orderId: input.orderId }).info(outcome, 'release reservation');
      return outcome;
    },

    async restockReturn(input) {
      const outcome = await restockReturn(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.returnRestocks.inc();
      activityLogger(log, { orderId: input.orderId }).info({ ...outcome, returnId: input.returnId }, 'return restocked');
      return outcome;
    },

    async releaseUnshipped(input) {
      const outcome = await releaseUnshipped(db, { ...input, actor: workflowActor() });
      if (outcome.changed) metrics.unshippedReleases.inc();
      activityLogger(log, { orderId: input.orderId }).info({ ...outcome, lines: input.lines }, 'unshipped units released');
      return outcome;
    },

    async initialiseStock(input) {
      const level = await initialiseStock(db, { ...input, idempotencyKey: `init:${input.sku}` });
      activityLogger(log, { sku: input.sku }).info(level, 'stock initialised');
      return level;
    },

    /** `requestId` makes the adjustment apply once however often the activity is retried. */
    async adjustStock({ requestId, ...adjustment }) {
      return refusalAsResult(ADJUSTMENT_REFUSALS, async () => {
        const { applied, ...level } = await adjustStock(db, { ...adjustment, idempotencyKey: adjustmentLedgerKey(requestId) });
        if (applied) metrics.adjustments.inc({ direction: adjustment.delta > 0 ? 'restock' : 'write_off' });
        activityLogger(log, { sku: adjustment.sku }).info({ ...level, delta: adjustment.delta, applied }, 'stock adjusted');
        return level;
      });
    },
  };
}
