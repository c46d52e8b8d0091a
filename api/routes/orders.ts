import { createRoute, z } from '@hono/zod-openapi';
import { listNotifications } from '../../activities/notification/repository.js';
import { findOrder, listOrders } from '../../activities/order/repository.js';
import type { Principal } from '../../common/tokens.js';
import { isStaff, requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { findProducts } from '../../activities/product/repository.js';
import type { ProductDb } from '../../activities/product/schema.js';
import { MAX_ORDER_TOTAL_CENTS } from '../../common/domain-limits.js';
import { readOrder, waitUntilDecided } from '../order-reads.js';
import { orderIdFor, placeOrder, requestCancellation } from '../order-workflows.js';
import { createRouter } from '../router.js';
import {
  bearerAuth,
  errorResponse,
  IdempotencyKeyHeader,
  jsonContent,
  NotificationSchema,
  OrderSchema,
  OrderStatusSchema,
  OrderSummarySchema,
  pageOf,
  PageQuerySchema,
  PlaceOrderSchema,
} from '../schemas.js';

const OrderIdParam = z.object({ orderId: z.uuid() });

const placeRoute = createRoute({
  method: 'post',
  path: '/',
  tags: ['orders'],
  summary: 'Place an order (starts the PlaceOrder workflow)',
  security: bearerAuth,
  middleware: [requireRole('customer')] as const,
  request: {
    headers: z.object({
      'idempotency-key': IdempotencyKeyHeader,
      prefer: z.string().optional(),
    }),
    body: { required: true, content: { 'application/json': { schema: PlaceOrderSchema } } },
  },
  responses: {
    202: jsonContent(z.object({ orderId: z.uuid(), status: OrderStatusSchema }), 'Accepted; the order is being placed'),
    200: jsonContent(OrderSchema, 'With Prefer: wait=N, the order once decided (or still PENDING after N seconds)'),
    400: errorResponse('Invalid order'),
    401: errorResponse('No or invalid token'),
    403: errorResponse('Not a customer'),
    409: errorResponse('Idempotency-Key reused with a different body'),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{orderId}',
  tags: ['orders'],
  summary: 'One order (its owner, operators and admins)',
  security: bearerAuth,
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: { 200: jsonContent(OrderSchema, 'The order'), 404: errorResponse('No such order') },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['orders'],
  summary: 'Orders, newest first: customers see their own, operators and admins all',
  security: bearerAuth,
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { query: PageQuerySchema.extend({ status: OrderStatusSchema.optional() }) },
  responses: { 200: jsonContent(pageOf(OrderSummarySchema), 'A page of orders') },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/{orderId}/cancel',
  tags: ['orders'],
  summary: 'Cancel an order while its cancellation window is open (stock released, customer emailed)',
  security: bearerAuth,
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(OrderSchema, 'The order, now CANCELLED'),
    404: errorResponse('No such order'),
    409: errorResponse('The order can no longer be cancelled'),
  },
});

const notificationsRoute = createRoute({
  method: 'get',
  path: '/{orderId}/notifications',
  tags: ['orders'],
  summary: 'Emails sent (or being sent) for an order',
  security: bearerAuth,
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam },
  responses: {
    200: jsonContent(z.object({ items: z.array(NotificationSchema) }), 'The order\'s emails, oldest first'),
    404: errorResponse('No such order'),
  },
});

/** `Prefer: wait=N` (N <= 30): answer once decided or after N seconds. */
function preferWaitSeconds(prefer: string | undefined): number | undefined {
  const match = prefer && /(?:^|[,;\s])wait=(\d+)/.exec(prefer);
  if (!match?.[1]) return undefined;
  return Math.min(Number.parseInt(match[1], 10), 30);
}

/**
 * Refuses, before anything starts, an order whose total at today's prices could not be stored.
 * The pricing activity checks again against the prices it snapshots (ORDER_TOO_LARGE).
 */
async function refuseOversizedTotal(db: ProductDb, lines: Array<{ sku: string; quantity: number }>) {
  const products = await findProducts(db, lines.map((line) => line.sku));
  const total = lines.reduce((sum, line) => sum + (products.get(line.sku)?.priceCents ?? 0) * line.quantity, 0);
  if (total > MAX_ORDER_TOTAL_CENTS) {
    const message = `the order total would exceed ${MAX_ORDER_TOTAL_CENTS} minor units`;
    throw validationFailed('Order too large', [{ path: 'lines', message }]);
  }
}

export function orderRoutes({ temporal, readers, cancellationWindow, rateLimits }: ApiDeps) {
  /** The order if this principal may see it; another customer's order is indistinguishable from a missing one. */
  const visibleOrder = async (principal: Principal, orderId: string) => {
    const order = await readOrder(readers.order, temporal, orderId);
    if (!order || (!isStaff(principal) && order.customerId !== principal.sub)) throw notFound(`Order ${orderId}`);
    return order;
  };

  return createRouter()
    .openapi(placeRoute, async (c) => {
      const principal = c.get('principal')!;
      const body = c.req.valid('json');
      const headers = c.req.valid('header');
      const orderId = orderIdFor(principal.sub, headers['idempotency-key']);
      c.set('orderId', orderId);
      // A retry of an order already recorded (same Idempotency-Key) places nothing new: it is
      // neither counted against the limit nor checked again (prices may have moved since).
      const retry = headers['idempotency-key'] !== undefined && (await findOrder(readers.order, orderId)) !== undefined;
      if (!retry) {
        await rateLimits.orders(principal.sub);
        await refuseOversizedTotal(readers.product, body.lines);
      }
      const handle = await placeOrder(
        temporal,
        { orderId, customerId: principal.sub, customerEmail: principal.email, lines: body.lines, cancellationWindow, ...(body.shippingAddress && { shippingAddress: body.shippingAddress }) },
        { body, keyed: headers['idempotency-key'] !== undefined },
      );
      c.get('log').info({ orderId, workflowId: handle.workflowId }, 'order placed');
      c.header('Location', `/orders/${orderId}`);

      const wait = preferWaitSeconds(headers.prefer);
      const order = wait === undefined ? undefined : await waitUntilDecided(readers.order, temporal, orderId, wait);
      if (order) {
        c.header('Preference-Applied', `wait=${wait}`);
        return c.json(order, 200);
      }
      return c.json({ orderId, status: (await findOrder(readers.order, orderId))?.status ?? 'PENDING' }, 202);
    })
    .openapi(getRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      return c.json(await visibleOrder(principal, orderId), 200);
    })
    .openapi(cancelRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      const before = await visibleOrder(principal, orderId);
      if (before.status !== 'CANCELLED') {
        await requestCancellation(temporal, orderId, principal.sub);
        c.get('log').info({ orderId, by: principal.sub }, 'order cancelled');
      }
      return c.json(await visibleOrder(principal, orderId), 200);
    })
    .openapi(notificationsRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      c.set('orderId', orderId);
      await visibleOrder(principal, orderId);
      return c.json({ items: await listNotifications(readers.notification, orderId) }, 200);
    })
    .openapi(listRoute, async (c) => {
      const principal = c.get('principal')!;
      const { limit, cursor, status } = c.req.valid('query');
      const page = await listOrders(readers.order, {
        limit,
        ...(cursor && { cursor }),
        ...(status && { status }),
        ...(!isStaff(principal) && { customerId: principal.sub }),
      });
      return c.json(page, 200);
    });
}
