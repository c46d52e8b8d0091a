import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/logger.js';
import { deliveriesQueued, deliverWebhooksWorkflowId, WEBHOOK_RELAY_WORKFLOW_ID, WEBHOOK_WORKFLOWS_TASK_QUEUE, type DeliverWebhooksInput, type QueuedDelivery } from '../../workflows/webhooks.contract.js';

/** Hands a (subscription, order)'s deliveries, in event order, to whatever delivers them. */
export interface WebhookQueue {
  enqueue(input: DeliverWebhooksInput & { deliveries: QueuedDelivery[] }): Promise<void>;
}

/**
 * The (subscription, order)'s DeliverWebhooks run, by signal-with-start: started with its first
 * deliveries, or signalled more while it runs, so one run at a time delivers that pair's events in order.
 */
export function temporalWebhookQueue(client: Client): WebhookQueue {
  return {
    async enqueue({ deliveries, ...input }) {
      await client.workflow.signalWithStart('DeliverWebhooks', {
        workflowId: deliverWebhooksWorkflowId(input.subscriptionId, input.orderId),
        taskQueue: WEBHOOK_WORKFLOWS_TASK_QUEUE,
        args: [input],
        signal: deliveriesQueued,
        signalArgs: [deliveries],
      });
    },
  };
}

/**
 * Makes sure the outbox relay runs (one run, WEBHOOK_RELAY_WORKFLOW_ID; "use existing", so every
 * notification process may ask). Tries until Temporal answers or the process stops, backing off
 * to 30 s: the workers poll meanwhile, a Temporal still starting holds nothing up.
 */
export async function ensureWebhookRelay(client: Client, log: Logger, stopping: AbortSignal): Promise<void> {
  for (let pause = 1000; !stopping.aborted; pause = Math.min(pause * 2, 30_000)) {
    try {
      const handle = await client.workflow.start('WebhookRelay', {
        workflowId: WEBHOOK_RELAY_WORKFLOW_ID,
        taskQueue: WEBHOOK_WORKFLOWS_TASK_QUEUE,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      log.info({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId }, 'webhook relay running');
      return;
    } catch (error) {
      if (stopping.aborted) return;
      log.warn({ err: error, retryInMs: pause }, 'could not start the webhook relay; trying again');
      // Cut short by shutdown (an abort rejects it): the loop's condition then ends the tries.
      await sleep(pause, undefined, { signal: stopping }).catch(() => undefined);
    }
  }
}
