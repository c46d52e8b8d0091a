import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { CreatedWebhookSubscription, NewWebhookSubscription, WebhookRetryPolicy, WebhookSubscriptionChanges } from '../activities/notification/webhooks.contract.js';
import type { ProductChanges } from '../activities/product/contract.js';
import type { Outcome } from '../common/outcome.js';
import { sealingKey, unseal } from '../common/sealed-secret.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { PLACE_ORDER } from '../workflows/place-order.contract.js';
import type { AdjustStockInput, CreateProduct, CreateProductInput, UpdateProduct, AdjustStock } from '../workflows/catalog.js';
import { deliveriesQueued, deliverWebhooksWorkflowId, WEBHOOK_WORKFLOWS_TASK_QUEUE, type QueuedDelivery } from '../workflows/webhooks.contract.js';
import type { CreateWebhookSubscription, DeleteWebhookSubscription, DeliverWebhooks, UpdateWebhookSubscription } from '../workflows/webhooks.js';
import { ApiError, conflict, refusalError } from './errors.js';
import { idempotencyDigest, startOnce } from './idempotency.js';

/**
 * The order worker hosts the catalog's admin workflows (the webhook ones run on the notification
 * process's webhooks worker, below). They start at INTERACTIVE_PRIORITY: staff wait for them at the
 * API, so on a busy queue their workflow tasks, and their activities (which inherit it), go ahead of
 * a burst's orders.
 */
const ADMIN_TASK_QUEUE = PLACE_ORDER.taskQueue;

/** How long an admin request waits for its workflow before answering 503 (the workflow carries on). */
const ANSWER_WITHIN_MS = 20_000;

/** The workflow's value, or its refusal (a result, not a failure) as the API's answer for it. */
async function resultWithin<T>(result: Promise<Outcome<T>>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError(503, 'UNAVAILABLE', `${what} is taking longer than expected; it will complete, check again shortly`)), ANSWER_WITHIN_MS);
  });
  try {
    const outcome = await Promise.race([result, late]);
    if (!outcome.ok) throw refusalError(outcome.reason, outcome.message);
    return outcome.value;
  } finally {
    clearTimeout(timer);
  }
}

export async function createProduct(client: Client, input: CreateProductInput) {
  try {
    const handle = await client.workflow.start<typeof CreateProduct>('CreateProduct', {
      taskQueue: ADMIN_TASK_QUEUE,
      priority: INTERACTIVE_PRIORITY,
      workflowId: `product-${input.product.sku}`,
      args: [input],
      // A second create of the same SKU, concurrent or after success, is refused by the server.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return await resultWithin(handle.result(), `Creating product ${input.product.sku}`);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`Product ${input.product.sku} already exists`);
    throw error;
  }
}

export async function updateProduct(client: Client, sku: string, changes: ProductChanges) {
  const result = client.workflow.execute<typeof UpdateProduct>('UpdateProduct', {
    taskQueue: ADMIN_TASK_QUEUE,
    priority: INTERACTIVE_PRIORITY,
    workflowId: `product-update-${sku}-${randomUUID()}`,
    args: [{ sku, changes }],
  });
  return resultWithin(result, `Updating product ${sku}`);
}

/**
 * The adjustment's request ID: from the Idempotency-Key (scoped to actor and SKU), else fresh. With
 * a key, the workflow ID and ledger key derive from it, so a retried request applies once and
 * answers with the same result.
 */
export const adjustmentRequestId = (actor: string, sku: string, idempotencyKey: string | undefined) =>
  idempotencyKey ? idempotencyDigest(actor, sku, idempotencyKey).slice(0, 32) : randomUUID();

export async function adjustStock(client: Client, input: Omit<AdjustStockInput, 'requestId'>, { requestId, keyed }: { requestId: string; keyed: boolean }) {
  const handle = await startOnce<typeof AdjustStock>(
    client,
    'AdjustStock',
    {
      taskQueue: ADMIN_TASK_QUEUE,
      priority: INTERACTIVE_PRIORITY,
      workflowId: `stock-adjust-${input.sku}-${requestId}`,
      args: [{ ...input, requestId }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    },
    { body: [input.delta, input.reason], keyed },
  );
  return resultWithin(handle.result(), `Adjusting stock of ${input.sku}`);
}

// Webhook subscriptions: the webhook workflows run on their own task queue, polled by the
// notification process (workflows/webhooks.contract.ts), at INTERACTIVE_PRIORITY like the rest.

const webhookChange = { taskQueue: WEBHOOK_WORKFLOWS_TASK_QUEUE, priority: INTERACTIVE_PRIORITY } as const;

/**
 * The subscription and its secret, to answer once. The secret never crosses Temporal in the clear
 * (operators may decode its payloads through the codec): the workflow gets a one-off public key
 * (`sealTo`), the notification activity answers the secret sealed to it, and only this request,
 * holding the private key, opens it. The key lives as long as the request.
 */
export async function createWebhookSubscription(client: Client, input: NewWebhookSubscription): Promise<CreatedWebhookSubscription> {
  const key = await sealingKey();
  const result = client.workflow.execute<typeof CreateWebhookSubscription>('CreateWebhookSubscription', {
    ...webhookChange,
    workflowId: `webhook-subscription-create-${randomUUID()}`,
    args: [{ ...input, sealTo: key.publicKey }],
  });
  const { sealedSecret, ...subscription } = await resultWithin(result, 'Creating the webhook subscription');
  return { ...subscription, secret: unseal(sealedSecret, key) };
}

export function updateWebhookSubscription(client: Client, subscriptionId: string, changes: WebhookSubscriptionChanges) {
  const result = client.workflow.execute<typeof UpdateWebhookSubscription>('UpdateWebhookSubscription', {
    ...webhookChange,
    workflowId: `webhook-subscription-update-${subscriptionId}-${randomUUID()}`,
    args: [{ subscriptionId, changes }],
  });
  return resultWithin(result, `Updating webhook subscription ${subscriptionId}`);
}

export function deleteWebhookSubscription(client: Client, subscriptionId: string) {
  const result = client.workflow.execute<typeof DeleteWebhookSubscription>('DeleteWebhookSubscription', {
    ...webhookChange,
    workflowId: `webhook-subscription-delete-${subscriptionId}-${randomUUID()}`,
    args: [{ subscriptionId }],
  });
  return resultWithin(result, `Deleting webhook subscription ${subscriptionId}`);
}

/**
 * Sends a delivery again: queued on its (subscription, order)'s DeliverWebhooks run, started with it
 * if none runs (signal-with-start, as the fan-out queues deliveries), behind what that run still has
 * to deliver. Answered once queued; the attempt shows in the delivery log.
 */
export async function redeliverWebhook(client: Client, { subscriptionId, orderId, deliveryId, retry }: { subscriptionId: string; orderId: string; deliveryId: string; retry: WebhookRetryPolicy }) {
  await client.workflow.signalWithStart<typeof DeliverWebhooks, [QueuedDelivery[]]>('DeliverWebhooks', {
    ...webhookChange,
    workflowId: deliverWebhooksWorkflowId(subscriptionId, orderId),
    args: [{ subscriptionId, orderId, retry }],
    signal: deliveriesQueued,
    signalArgs: [[{ deliveryId, redeliver: true }]],
  });
}
