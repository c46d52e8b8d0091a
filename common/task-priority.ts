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
 * What someone waits for at the API, ahead of the orders of a burst: staff's catalog writes and
 * stock adjustments (their whole workflow: every workflow task and activity), and the steps any
 * cancel is answered after, a customer's own as much as staff's (releasing the stock, marking the
 * order cancelled). Orders run at the default key, 3, which needs no setting.
 */
export const INTERACTIVE_PRIORITY = { priorityKey: 1 } as const satisfies Priority;

/**
 * The key a task without one runs at, named for where it is set on purpose: a webhook delivery's
 * attempts, which stay behind the webhook steps at INTERACTIVE_PRIORITY even in a run started at it.
 */
export const DEFAULT_PRIORITY = { priorityKey: 3 } as const satisfies Priority;
