import { createRoute, z } from '@hono/zod-openapi';
import { decodeCursor, encodeCursor, type Page } from '../../common/pagination.js';
import { createWebhookSubscription, deleteWebhookSubscription, redeliverWebhook, updateWebhookSubscription } from '../admin-workflows.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { notFound } from '../errors.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent, responseHeaders } from '../responses.js';
import {
  CreatedWebhookSubscriptionSchema,
  CreateWebhookSchema,
  pageOf,
  PageQuerySchema,
  UpdateWebhookSchema,
  WebhookDeliverySchema,
  WebhookSubscriptionSchema,
} from '../schemas.js';

// Outbound webhooks, admins only (docs/webhooks.md). Reads go through the notification service's
// read port (which never sees a secret); every change is a webhook workflow (admin-workflows.ts).

const SubscriptionParam = z.object({ id: z.uuid().openapi({ param: { description: 'The subscription ID' } }) });
const DeliveryParam = SubscriptionParam.extend({ deliveryId: z.uuid().openapi({ param: { description: 'The delivery ID, as the delivery log lists it' } }) });

const tags = ['webhooks'];

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listWebhooks',
  tags,
  summary: 'Webhook subscriptions, oldest first (never their secrets)',
  middleware: [requireRole('admin')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: jsonContent(pageOf(WebhookSubscriptionSchema).openapi('WebhookSubscriptionPage'), 'A page of subscriptions'),
    ...ANY_OPERATION,
    ...errors({ 400: 'Invalid limit or cursor', 403: 'Not an admin' }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getWebhook',
  tags,
  summary: 'One webhook subscription (never its secret)',
  middleware: [requireRole('admin')] as const,
  request: { params: SubscriptionParam },
  responses: {
    200: jsonContent(WebhookSubscriptionSchema, 'The subscription'),
    ...ANY_OPERATION,
    ...errors({ 400: 'Not a subscription ID', 403: 'Not an admin', 404: 'No such subscription' }),
  },
});

const createWebhookRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'createWebhook',
  tags,
  summary: 'Subscribe a URL to order events (the CreateWebhookSubscription workflow); the answer holds its signing secret, shown once',
  middleware: [requireRole('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateWebhookSchema } } } },
  responses: {
    201: jsonContent(CreatedWebhookSubscriptionSchema, 'Created; Location is the subscription. Keep the secret: it is never shown again', 'Location'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({
      400: 'Invalid subscription, or a URL whose host is (or resolves to) an address this deployment does not call',
      403: 'Not an admin',
      409: 'As many subscriptions as allowed exist already',
      429: true,
    }),
  },
});

const updateWebhookRoute = createRoute({
  method: 'patch',
  path: '/{id}',
  operationId: 'updateWebhook',
  tags,
  summary: 'Change url, events, enabled or description (the UpdateWebhookSubscription workflow)',
  middleware: [requireRole('admin')] as const,
  request: { params: SubscriptionParam, body: { required: true, content: { 'application/json': { schema: UpdateWebhookSchema } } } },
  responses: {
    200: jsonContent(WebhookSubscriptionSchema, 'The subscription as changed'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({ 400: 'Not a subscription ID, invalid changes (at least one is needed), or a URL refused', 403: 'Not an admin', 404: 'No such subscription', 429: true }),
  },
});

const deleteWebhookRoute = createRoute({
  method: 'delete',
  path: '/{id}',
  operationId: 'deleteWebhook',
  tags,
  summary: 'Delete a subscription and its delivery log (the DeleteWebhookSubscription workflow); its queued deliveries end FAILED',
  middleware: [requireRole('admin')] as const,
  request: { params: SubscriptionParam },
  responses: {
    204: { description: 'Deleted', headers: responseHeaders() },
    ...ANY_OPERATION,
    ...errors({ 400: 'Not a subscription ID', 403: 'Not an admin', 404: 'No such subscription', 429: true }),
  },
});

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  tags,
  summary: "A subscription's delivery log: its deliveries, newest first, each with every attempt",
  middleware: [requireRole('admin')] as const,
  request: { params: SubscriptionParam, query: PageQuerySchema },
  responses: {
    200: jsonContent(pageOf(WebhookDeliverySchema).openapi('WebhookDeliveryPage'), 'A page of deliveries'),
    ...ANY_OPERATION,
    ...errors({ 400: 'Not a subscription ID, or an invalid limit or cursor', 403: 'Not an admin', 404: 'No such subscription' }),
  },
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/{id}/deliveries/{deliveryId}/redeliver',
  operationId: 'redeliverWebhook',
  tags,
  summary: "Send a delivery again, whatever its status, with the same webhook-id (queued on its order's DeliverWebhooks run)",
  middleware: [requireRole('admin')] as const,
  request: { params: DeliveryParam },
  responses: {
    202: jsonContent(WebhookDeliverySchema, 'Queued; the delivery as it stood. Location is the delivery log, where the new attempts show', 'Location'),
    ...ANY_OPERATION,
    ...errors({ 400: 'Not a subscription or delivery ID', 403: 'Not an admin', 404: 'No such subscription, or no such delivery of it', 429: true }),
  },
});

/** A page of a short list the read port answers whole (at most WEBHOOK_LIMITS.subscriptions): the cursor is an offset. */
function pageOfList<T>(items: T[], limit: number, cursor: string | undefined): Page<T> {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor, z.number().int().min(0));
  return { items: items.slice(offset, offset + limit), nextCursor: offset + limit < items.length ? encodeCursor(offset + limit) : null };
}

export function webhookRoutes({ readers, temporal, rateLimits, webhookRetry }: ApiDeps) {
  const subscription = async (id: string) => {
    const found = await readers.notifications.webhookSubscription(id);
    if (!found) throw notFound(`Webhook subscription ${id}`);
    return found;
  };
  return createRouter()
    .openapi(listRoute, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(pageOfList(await readers.notifications.webhookSubscriptions(), limit, cursor), 200);
    })
    .openapi(getRoute, async (c) => c.json(await subscription(c.req.valid('param').id), 200))
    .openapi(createWebhookRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const created = await createWebhookSubscription(temporal, c.req.valid('json'));
      c.header('Location', `/webhooks/${created.subscriptionId}`);
      return c.json(created, 201);
    })
    .openapi(updateWebhookRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const { id } = c.req.valid('param');
      // Refused here, not by the workflow, so that a 404 starts nothing.
      await subscription(id);
      return c.json(await updateWebhookSubscription(temporal, id, c.req.valid('json')), 200);
    })
    .openapi(deleteWebhookRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const { id } = c.req.valid('param');
      await subscription(id);
      await deleteWebhookSubscription(temporal, id);
      return c.body(null, 204);
    })
    .openapi(deliveriesRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor } = c.req.valid('query');
      await subscription(id);
      return c.json(await readers.notifications.webhookDeliveries({ subscriptionId: id, limit, ...(cursor && { cursor }) }), 200);
    })
    .openapi(redeliverRoute, async (c) => {
      await rateLimits.catalogWrites(c.get('principal')!.sub);
      const { id, deliveryId } = c.req.valid('param');
      const delivery = await readers.notifications.webhookDelivery(deliveryId);
      if (!delivery || delivery.subscriptionId !== id) throw notFound(`Delivery ${deliveryId} of webhook subscription ${id}`);
      await redeliverWebhook(temporal, { subscriptionId: id, orderId: delivery.orderId, deliveryId, retry: webhookRetry });
      c.header('Location', `/webhooks/${id}/deliveries`);
      return c.json(delivery, 202);
    });
}
