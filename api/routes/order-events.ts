import { createRoute, type z } from '@hono/zod-openapi';
import type { OrderEvent, OrderEventType } from '../../activities/order/timeline.contract.js';
import { isStaff, requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { orderAnswers } from '../order-answers.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, jsonContent } from '../responses.js';
import { OrderEventSchema, pageOf, PageQuerySchema } from '../schemas.js';
import { OrderIdParam } from './orders.js';

const eventsRoute = createRoute({
  method: 'get',
  path: '/{orderId}/events',
  operationId: 'listOrderEvents',
  tags: ['orders'],
  summary: "An order's timeline, oldest first: every change recorded, who made it, and the status it left (its owner, operators and admins)",
  middleware: [requireRole('customer', 'operator', 'admin')] as const,
  request: { params: OrderIdParam, query: PageQuerySchema },
  responses: {
    200: jsonContent(pageOf(OrderEventSchema).openapi('OrderEventPage'), "A page of the order's events, oldest first"),
    ...ANY_OPERATION,
    // Every valid token holds one of the roles: never a 403.
    ...errors({ 400: 'Not an order ID (a UUID), or an invalid limit or cursor', 404: "No such order, or another customer's" }),
  },
});

type OrderEventAnswer = z.infer<typeof OrderEventSchema>;

/** An event as answered: its order is the path's. The timeline contract pairs each type with its details. */
const answerOf = ({ orderId: _orderId, ...event }: OrderEvent): OrderEventAnswer => event as { [T in OrderEventType]: Omit<OrderEvent<T>, 'orderId'> }[OrderEventType];

/** A customer sees that staff acted, not which member of staff: their subjects are the shop's own business. */
const STAFF_AS_SEEN_BY_CUSTOMERS = { kind: 'staff', id: 'staff' } as const;
const forCustomer = (event: OrderEvent): OrderEvent => (event.actor.kind === 'staff' ? { ...event, actor: STAFF_AS_SEEN_BY_CUSTOMERS } : event);

export function orderEventRoutes({ readers }: ApiDeps) {
  const { visibleOrder } = orderAnswers(readers);

  return createRouter().openapi(eventsRoute, async (c) => {
    const principal = c.get('principal')!;
    const { orderId } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    c.set('orderId', orderId);
    // Another customer's order is a 404, as GET /orders/{orderId} answers it.
    await visibleOrder(principal, orderId);
    const page = await readers.orders.events(orderId, { limit, ...(cursor && { cursor }) });
    const seen = isStaff(principal) ? page.items : page.items.map(forCustomer);
    return c.json({ items: seen.map(answerOf), nextCursor: page.nextCursor }, 200);
  });
}
