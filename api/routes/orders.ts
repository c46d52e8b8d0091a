import { createRoute, z } from '@hono/zod-openapi';
import { couldExceedOrderTotal, priceLines, PRODUCT_FAILURE, type OrderLine } from '../../activities/product/contract.js';
import type { ProductReads } from '../../activities/product/reads.js';
import { isStaff, requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { ApiError, validationFailed } from '../errors.js';
import { orderAnswers } from '../order-answers.js';
import { orderIdFor, placeOrder, requestCancellation } from '../order-workflows.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent } from '../responses.js';
import {
  IdempotencyKeyHeader,
  NotificationSchema,
  OrderSchema,
  OrderSearchQuerySchema,
  OrderStatusSchema,
  OrderSummarySchema,
  pageOf,
  PlaceOrderSchema,
} from '../schemas.js';

export const OrderIdParam = z.object({ orderId: z.uuid() });

// Who may read or cancel an order: its owner (a customer), operators and admins. Every valid
// token holds one of those roles (common/tokens.ts), so these operations never answer 403.
const READERS = errors({ 404: "No such order, or another customer's" });

const placeRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'placeOrder',
  tags: ['orders'],
  summary: 'Place an order (starts the PlaceOrder workflow)',
  middleware: [requireRole('customer')] as const,
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKeyHeader,
      prefer: z
        .string()
        .optional()
        .openapi({
          param: {
            description: '`wait=N` (N up to 30): answer once the order has left PENDING, or after N seconds, with the order (200); anything else is ignored',
            example: 'wait=10',
          },
        }),
    }),
    body: { required: true, content: { 'application/json': { schema: PlaceOrderSchema } } },
  },
  responses: {
    202: jsonContent(z.object({ orderId: z.uuid(), status: OrderStatusSchema }).openapi('AcceptedOrder'), 'Accepted; the order is being placed', 'Location'),
    200: jsonContent(OrderSchema, 'With Prefer: wait=N, the order once decided (or still PENDING after N seconds)', 'Location', 'PreferenceApplied'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({ 400: 'Invalid order, Idempotency-Key, or a total too large', 403: 'Not a customer', 409: 'Idempotency-Key reused with a different body', 429: true }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{orderId}',
  operationId: 'getOrder',
  tags: ['orders'],
  summary: 'One order (its owner, operators and admins)',
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: { 200: jsonContent(OrderSchema, 'The order'), ...ANY_OPERATION, ...READERS, ...errors({ 400: 'Not an order ID (a UUID)' }) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listOrders',
  tags: ['orders'],
  summary: 'Search orders, newest first: customers see their own, operators and admins all (by customer, status, SKU and creation time)',
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { query: OrderSearchQuerySchema },
  responses: {
    200: jsonContent(pageOf(OrderSummarySchema).openapi('OrderPage'), 'A page of orders, each matching every filter given'),
    ...ANY_OPERATION,
    ...errors({ 400: 'Invalid limit, cursor, status, customer, SKU or time (or `from` not before `to`)', 403: 'A customer asked for `customer` (staff only)' }),
  },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/{orderId}/cancel',
  operationId: 'cancelOrder',
  tags: ['orders'],
  summary: 'Cancel an order: staff until its first shipment, its customer while the cancellation window is open (stock released, customer emailed)',
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(OrderSchema, 'The order, now CANCELLED (also when it already was)'),
    ...ANY_OPERATION,
    ...READERS,
    // It takes no body; one that is sent is still held to the API's rules.
    ...errors({ 400: 'Not an order ID (a UUID)', 409: 'The order can no longer be cancelled', 413: true, 415: true }),
  },
});

const notificationsRoute = createRoute({
  method: 'get',
  path: '/{orderId}/notifications',
  operationId: 'listOrderNotifications',
  tags: ['orders'],
  summary: 'Emails sent (or being sent) for an order',
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(z.object({ items: z.array(NotificationSchema) }).openapi('Notifications'), "The order's emails, oldest first"),
    ...ANY_OPERATION,
    ...READERS,
    ...errors({ 400: 'Not an order ID (a UUID)' }),
  },
});

/** `Prefer: wait=N` (N <= 30): answer once decided or after N seconds. */
function preferWaitSeconds(prefer: string | undefined): number | undefined {
  const match = prefer && /(?:^|[,;\s])wait=(\d+)/.exec(prefer);
  if (!match?.[1]) return undefined;
  return Math.min(Number.parseInt(match[1], 10), 30);
}

/**
 * Refuses, before anything starts, an order that pricing would refuse as too large at today's
 * prices (pricing's own rule; the workflow prices again, on the prices it snapshots).
 */
async function refuseOversizedTotal(products: ProductReads, lines: OrderLine[]) {
  // No read when even the dearest possible products could not take the total past the limit.
  if (!couldExceedOrderTotal(lines)) return;
  const pricing = priceLines(lines, await products.products(lines.map((line) => line.sku)));
  if (!pricing.ok && pricing.reason === PRODUCT_FAILURE.orderTooLarge) throw validationFailed('Order too large', [{ path: 'lines', message: pricing.message }]);
}

export function orderRoutes({ temporal, readers, cancellationWindow, returnWindow, fulfilmentWindow, rateLimits }: ApiDeps) {
  const { visibleOrder, answer, withPayment } = orderAnswers(readers);

  return createRouter()
    .openapi(placeRoute, async (c) => {
      const principal = c.get('principal')!;
      const body = c.req.valid('json');
      const headers = c.req.valid('header');
      const orderId = orderIdFor(principal.sub, headers['idempotency-key']);
      c.set('orderId', orderId);
      // A retry of an order already recorded (same Idempotency-Key) places nothing new: it is
      // neither counted against the limit nor checked again (prices may have moved since).
      const recordedBefore = headers['idempotency-key'] !== undefined ? await readers.orders.record(orderId) : undefined;
      if (!recordedBefore) {
        await rateLimits.orders(principal.sub);
        await refuseOversizedTotal(readers.products, body.lines);
      }
      const handle = await placeOrder(
        temporal,
        // The validated body is the order as placed: a field the schema gains reaches the order service as it is.
        { ...body, orderId, customerId: principal.sub, customerEmail: principal.email, cancellationWindow, returnWindow, fulfilmentWindow },
        { body, keyed: headers['idempotency-key'] !== undefined },
      );
      c.get('log').info({ orderId, workflowId: handle.workflowId }, 'order placed');
      c.header('Location', `/orders/${orderId}`);

      const wait = preferWaitSeconds(headers.prefer);
      // Without a wait, no read: a new order was accepted a moment ago (PENDING); a retry's record was read above.
      if (wait === undefined) return c.json({ orderId, status: recordedBefore?.status ?? ('PENDING' as const) }, 202);
      const order = await readers.orders
        .orderOnceDecided(orderId, wait)
        .then((decided) => decided && withPayment(decided))
        .catch((error: unknown) => {
          // The order is placed: failing to watch it is no reason to answer 503, which invites a retry
          // (and, without an Idempotency-Key, a second order). It is accepted: 202, as without a wait.
          c.get('log').warn({ err: error, orderId }, 'could not wait for the decision; answering 202');
          return undefined;
        });
      if (order) {
        c.header('Preference-Applied', `wait=${wait}`);
        return c.json(order, 200);
      }
      return c.json({ orderId, status: 'PENDING' as const }, 202);
    })
    .openapi(getRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      return c.json(await answer(principal, orderId), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      const before = await visibleOrder(principal, orderId);
      if (before.status !== 'CANCELLED') {
        await requestCancellation(temporal, orderId, { requestedBy: principal.sub, byStaff: isStaff(principal) });
        c.get('log').info({ orderId, by: principal.sub }, 'order cancelled');
      }
      return c.json(await answer(principal, orderId), 200);
    })
    .openapi(notificationsRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      await visibleOrder(principal, orderId);
      return c.json({ items: await readers.notifications.forOrder(orderId) }, 200);
    })
    .openapi(listRoute, async (c) => {
      const principal = c.get('principal')!;
      const { limit, cursor, status, customer, sku, from, to } = c.req.valid('query');
      // A customer's search is of their own orders: naming a customer is staff's.
      if (customer !== undefined && !isStaff(principal)) throw new ApiError(403, 'FORBIDDEN', 'Only operators and admins search by customer', [{ path: 'customer', message: 'staff only' }]);
      const customerId = isStaff(principal) ? customer : principal.sub;
      const page = await readers.orders.list({
        limit,
        ...(cursor && { cursor }),
        ...(status && { status }),
        ...(customerId !== undefined && { customerId }),
        ...(sku && { sku }),
        ...(from && { from }),
        ...(to && { to }),
      });
      return c.json(page, 200);
    });
}
