import type { Client } from '@temporalio/client';
import { deliveriesQueued, deliverWebhooksWorkflowId, WEBHOOK_WORKFLOWS_TASK_QUEUE, type DeliverWebhooksInput, type QueuedDelivery } from '../../workflows/webhooks.contract.js';

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
