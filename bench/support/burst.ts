import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrderLineInput } from '../../activities/order/contract.js';
import type { Arm, ArmName, Started } from './arms.js';
import { confirmedAt } from './confirmations.js';
import { cpuBetween, sampleCpu, type ProcessGroups } from './cpu.js';
import { untilOrderDecided } from '../../test/support/order-decided.js';
import { median, percentile, sum } from './stats.js';

export interface RunResult {
  arm: ArmName;
  scenario: string;
  orders: number;
  /** Orders CONFIRMED per second, from the first send to the last confirmation. */
  ordersPerSecond: number;
  /** Send to CONFIRMED, ms. */
  p50Ms: number;
  p99Ms: number;
  /** How long the client waited for each order to be accepted (POST /orders' 202, or workflow.start), ms. */
  acceptP50Ms: number;
  acceptP99Ms: number;
  /** CPU milliseconds per order, by process group, and in all. */
  cpuMsPerOrder: Record<string, number>;
  cpuMsPerOrderTotal: number;
  /** Each order's confirmation, ms after the first send (for the throughput-over-time plot). */
  confirmedAfterMs: number[];
  latenciesMs: number[];
}

/** How many open runs are terminated at a time after a burst. */
const TERMINATE_BATCH = 100;

/**
 * Places `orders` orders through an arm (all at once, or at a fixed rate: `ratePerSecond`), waits
 * until every order is decided (its run ended, or it is CONFIRMED and its confirmation emailed:
 * the real saga's confirmed orders stay open, awaiting their first shipment; the twins end), then
 * reads when each was CONFIRMED from its history. CPU is read from /proc for every process of the
 * machine's stack around the run, up to the last decision. Then the runs still open are
 * terminated (see endOpenRuns).
 */
export async function run(
  arm: Arm,
  { scenario, orders, lines, ratePerSecond, groups }: { scenario: string; orders: number; lines: (i: number) => OrderLineInput[]; ratePerSecond?: number; groups: ProcessGroups },
): Promise<RunResult> {
  await arm.prepare(orders);
  const before = sampleCpu(groups);
  const firstSend = Date.now();
  const placing: Array<Promise<Started>> = [];
  for (let i = 0; i < orders; i++) {
    if (ratePerSecond) {
      // Open loop: order i leaves at its time whatever happened to the others.
      const due = firstSend + (i * 1000) / ratePerSecond - Date.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    }
    placing.push(arm.place(i, lines(i)));
  }
  const started = await Promise.all(placing);
  const decided = await Promise.all(started.map(({ workflowId }) => untilOrderDecided(arm.client, workflowId)));
  const cpu = cpuBetween(before, sampleCpu(groups));
  const confirmed = await Promise.all(started.map(({ workflowId }) => confirmedAt(arm.client, workflowId)));
  await endOpenRuns(arm, started.filter((_, i) => decided[i] === 'open'));

  const latenciesMs = confirmed.map((at, i) => at - started[i]!.sentAt);
  const accept = started.map(({ acceptMs }) => acceptMs);
  const cpuMsPerOrder = Object.fromEntries(Object.entries(cpu).map(([group, seconds]) => [group, (1000 * seconds) / orders]));
  return {
    arm: arm.name,
    scenario,
    orders,
    ordersPerSecond: orders / ((Math.max(...confirmed) - firstSend) / 1000),
    p50Ms: median(latenciesMs),
    p99Ms: percentile(latenciesMs, 0.99),
    acceptP50Ms: median(accept),
    acceptP99Ms: percentile(accept, 0.99),
    cpuMsPerOrder,
    cpuMsPerOrderTotal: sum(Object.values(cpuMsPerOrder)),
    confirmedAfterMs: confirmed.map((at) => at - firstSend).sort((a, b) => a - b),
    latenciesMs,
  };
}

/**
 * A benchmark's confirmed orders would wait for a shipment that never comes: thousands of open
 * runs, each in the order worker's cache and Temporal's tables and timers of the stack, would
 * skew the next run. They are terminated, with a reason that says so, a batch at a time (not all
 * at once, which would be a burst of its own), after the measurement (its CPU and its histories
 * are read by then).
 */
async function endOpenRuns(arm: Arm, open: Started[]): Promise<void> {
  for (let i = 0; i < open.length; i += TERMINATE_BATCH) {
    await Promise.all(
      open.slice(i, i + TERMINATE_BATCH).map(({ workflowId }) =>
        arm.client.workflow
          .getHandle(workflowId)
          .terminate(`benchmark over (${arm.name}): the order was measured to its confirmation; no shipment will come`)
          // A twin ends by itself just after its confirmation email: one that has already ended needs nothing.
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }),
      ),
    );
  }
}
