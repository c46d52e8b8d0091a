import type { Priority } from '@temporalio/common';

/**
 * Temporal task priority (docs/performance.md, Staff work ahead of a burst): on a task queue with a
 * backlog, a task of a lower `priorityKey` is dispatched first; within one key, first in, first
 * out. Keys run 1 (first) to 5; a workflow started without one runs at the default, 3, and its
 * activities inherit the workflow's.
 *
 * Needs a server whose matching service runs the priority-enabled matcher: Temporal server 1.29
 * does only with the dynamic config `matching.useNewMatcher: true` (ops/temporal/dynamicconfig.yaml,
 * and the dev server's `--dynamic-config-value` in dev/temporal-server.ts). Without it every
 * task queue stays first in, first out and the key is stored but ignored.
 */

/**
 * What staff are waiting on at the API: the catalog writes and stock adjustments (their whole
 * workflow: every workflow task and activity) and the steps a cancel waits for (releasing the
 * stock, marking the order cancelled). Ahead of the orders of a burst.
 */
export const STAFF_PRIORITY = { priorityKey: 1 } as const satisfies Priority;

/**
 * Orders (PlaceOrder and its steps) run at the default key, which needs no setting: named here so
 * that the order of the two is written down once.
 */
export const ORDER_PRIORITY = { priorityKey: 3 } as const satisfies Priority;
