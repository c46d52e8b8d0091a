import { createRoute, z } from '@hono/zod-openapi';
import type { OrderView } from '../../activities/order/contract.js';
import type { FulfilmentLine } from '../../activities/order/fulfilment.contract.js';
import type { Principal } from '../../common/tokens.js';
import { deliverShipment, receiveReturn, requestReturn, shipOrder } from '../../workflows/place-order.contract.js';
import { requireRole } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { orderAnswers } from '../order-answers.js';
import { fulfilmentIdFor, sendFulfilmentUpdate } from '../order-workflows.js';
import { createRouter } from '../router.js';
import { ANY_OPERATION, errors, JSON_BODY, jsonContent } from '../responses.js';
import { IdempotencyKeyHeader, OrderSchema, RequiredIdempotencyKeyHeader, ReturnReceiptSchema, ReturnRequestSchema, ShipRequestSchema } from '../schemas.js';
import { OrderIdParam } from './orders.js';

const NOT_STAFF = errors({ 403: 'Not an operator or admin' });
// Rejected and cancelled orders take no step, nor does a workflow that has completed (its return window closed, or everything returned).
const CLOSED = 'the order is closed (rejected, cancelled, past its return window, or everything returned)';

const shipRoute = createRoute({
  method: 'post',
  path: '/{orderId}/shipments',
  operationId: 'shipOrder',
  tags: ['orders'],
  summary: 'Record a shipment of a confirmed order (its payment is captured at the first one; the customer is emailed)',
  middleware: [requireRole('operator', 'admin')] as const,
  request: {
    params: OrderIdParam,
    headers: z.object({ 'idempotency-key': RequiredIdempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: ShipRequestSchema } } },
  },
  responses: {
    201: jsonContent(OrderSchema, 'Shipped (also when this Idempotency-Key already shipped it): the order, with the shipment', 'Location'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...NOT_STAFF,
    ...errors({
      400: 'Invalid shipment or order ID, or no Idempotency-Key (required)',
      404: 'No such order',
      409: `The order cannot ship these units (not confirmed yet, or not that many left to ship), ${CLOSED}, or the Idempotency-Key was used with a different body`,
    }),
  },
});

const deliverRoute = createRoute({
  method: 'post',
  path: '/{orderId}/shipments/{shipmentId}/delivery',
  operationId: 'deliverShipment',
  tags: ['orders'],
  summary: 'Record that a shipment was delivered (the customer is emailed; the return window opens once everything arrived)',
  middleware: [requireRole('operator', 'admin')] as const,
  request: { params: OrderIdParam.extend({ shipmentId: z.uuid() }) },
  responses: {
    200: jsonContent(OrderSchema, 'Delivered (also when it already was): the order'),
    ...ANY_OPERATION,
    ...NOT_STAFF,
    // It takes no body; one that is sent is still held to the API's rules.
    ...errors({ 400: 'Not an order or shipment ID (a UUID)', 404: 'No such order, or no such shipment of it', 409: `The shipment cannot be delivered: ${CLOSED}`, 413: true, 415: true }),
  },
});

const returnRoute = createRoute({
  method: 'post',
  path: '/{orderId}/returns',
  operationId: 'requestReturn',
  tags: ['orders'],
  summary: "Ask to send delivered units back, within the return window (the order's customer only)",
  middleware: [requireRole('customer')] as const,
  request: {
    params: OrderIdParam,
    headers: z.object({ 'idempotency-key': IdempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: ReturnRequestSchema } } },
  },
  responses: {
    201: jsonContent(OrderSchema, 'Return recorded (also when this Idempotency-Key already asked for it): the order, with the return', 'Location'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...errors({
      400: 'Invalid return, order ID or Idempotency-Key',
      403: 'Not a customer (staff do not ask for returns)',
      404: "No such order, or another customer's",
      409: `These units cannot be returned (not delivered, already returned, or the return window has closed), ${CLOSED}, or the Idempotency-Key was used with a different body`,
      429: true,
    }),
  },
});

const receiptRoute = createRoute({
  method: 'post',
  path: '/{orderId}/returns/{returnId}/receipt',
  operationId: 'receiveReturn',
  tags: ['orders'],
  summary: 'Record that a return arrived: restocked or not, and refunded for the units that came back (the customer is emailed)',
  middleware: [requireRole('operator', 'admin')] as const,
  request: {
    params: OrderIdParam.extend({ returnId: z.uuid() }),
    body: { required: true, content: { 'application/json': { schema: ReturnReceiptSchema } } },
  },
  responses: {
    200: jsonContent(OrderSchema, 'Received (also when it already was): the order, with the refund'),
    ...ANY_OPERATION,
    ...JSON_BODY,
    ...NOT_STAFF,
    ...errors({ 400: 'Invalid receipt, order or return ID', 404: 'No such order, or no such return of it', 409: `The return cannot be received: ${CLOSED}, or it was already received with the other restock` }),
  },
});

/** The same units, whatever the order of the lines. */
const sameLines = (a: readonly FulfilmentLine[], b: readonly FulfilmentLine[]) => {
  const key = (lines: readonly FulfilmentLine[]) => JSON.stringify([...lines].sort((x, y) => x.sku.localeCompare(y.sku)).map((line) => [line.sku, line.quantity]));
  return key(a) === key(b);
};

const keyReused = () => conflict('Idempotency-Key was already used with a different request body');

/** Rejected and cancelled orders take no step: answered here, without asking their workflow. */
function refuseEnded(order: OrderView): void {
  if (order.status === 'REJECTED' || order.status === 'CANCELLED') throw conflict(`Order ${order.orderId} is ${order.status}: it takes no shipments, deliveries or returns`);
}

/**
 * Shipments, deliveries, returns and their receipt: each one Update of the order's workflow
 * (api/order-workflows.ts), answered with the order read back once the step is recorded.
 */
export function fulfilmentRoutes({ temporal, readers, rateLimits }: ApiDeps) {
  const { visibleOrder, answer } = orderAnswers(readers);
  type Answered = Awaited<ReturnType<typeof answer>>;

  /**
   * Sends a step's Update, then reads the order back. A workflow that has completed takes no
   * Update: a step it recorded before (a retry once the last return closed the order) is answered
   * from the record; any other is a 409.
   */
  async function fulfil(principal: Principal, orderId: string, send: () => Promise<unknown>, recorded: (order: Answered) => boolean): Promise<Answered> {
    const answered = await send();
    const order = await answer(principal, orderId);
    if (answered === undefined && !recorded(order)) throw conflict(`Order ${orderId} is closed (past its return window, or everything returned): it takes no more fulfilment steps`);
    return order;
  }

  return createRouter()
    .openapi(shipRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      const { lines, carrier, trackingNumber } = c.req.valid('json');
      c.set('orderId', orderId);
      refuseEnded(await visibleOrder(principal, orderId));
      const shipmentId = fulfilmentIdFor('shipment', orderId, c.req.valid('header')['idempotency-key']);
      const request = { shipmentId, ...(lines && { lines }), carrier, trackingNumber, requestedBy: principal.sub };
      const shipmentOf = (order: Answered) => order.shipments.find((recorded) => recorded.shipmentId === shipmentId);
      const order = await fulfil(principal, orderId, () => sendFulfilmentUpdate(temporal, orderId, 'ship', shipmentId, shipOrder, request), (read) => shipmentOf(read) !== undefined);
      const shipment = shipmentOf(order);
      // The Update ID made a retry the first shipment: a retry that asked for another is told so.
      if (shipment && (shipment.carrier !== carrier || shipment.trackingNumber !== trackingNumber || (lines && !sameLines(shipment.lines, lines)))) throw keyReused();
      c.get('log').info({ orderId, shipmentId, by: principal.sub }, 'shipment recorded');
      c.header('Location', `/orders/${orderId}`);
      return c.json(order, 201);
    })
    .openapi(deliverRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId, shipmentId } = c.req.valid('param');
      c.set('orderId', orderId);
      refuseEnded(await visibleOrder(principal, orderId));
      const order = await fulfil(
        principal,
        orderId,
        () => sendFulfilmentUpdate(temporal, orderId, 'deliver', shipmentId, deliverShipment, { shipmentId, requestedBy: principal.sub }),
        (read) => read.shipments.some((shipment) => shipment.shipmentId === shipmentId && shipment.deliveredAt !== null),
      );
      c.get('log').info({ orderId, shipmentId, by: principal.sub }, 'delivery recorded');
      return c.json(order, 200);
    })
    .openapi(returnRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId } = c.req.valid('param');
      const { lines, reason } = c.req.valid('json');
      c.set('orderId', orderId);
      const before = await visibleOrder(principal, orderId);
      // The owner's alone: a customer who is also staff may not ask on another customer's behalf.
      if (before.customerId !== principal.sub) throw notFound(`Order ${orderId}`);
      refuseEnded(before);
      const returnId = fulfilmentIdFor('return', orderId, c.req.valid('header')['idempotency-key']);
      // A retry of a return already recorded asks for nothing new: it is not counted against the limit.
      if (!before.returns.some((recorded) => recorded.returnId === returnId)) await rateLimits.orders(principal.sub);
      const returnOf = (order: Answered) => order.returns.find((orderReturn) => orderReturn.returnId === returnId);
      const order = await fulfil(
        principal,
        orderId,
        () => sendFulfilmentUpdate(temporal, orderId, 'return', returnId, requestReturn, { returnId, lines, reason, requestedBy: principal.sub }),
        (read) => returnOf(read) !== undefined,
      );
      const recorded = returnOf(order);
      if (recorded && (recorded.reason !== reason || !sameLines(recorded.lines, lines))) throw keyReused();
      c.get('log').info({ orderId, returnId }, 'return requested');
      c.header('Location', `/orders/${orderId}`);
      return c.json(order, 201);
    })
    .openapi(receiptRoute, async (c) => {
      const principal = c.get('principal')!;
      const { orderId, returnId } = c.req.valid('param');
      const { restock } = c.req.valid('json');
      c.set('orderId', orderId);
      refuseEnded(await visibleOrder(principal, orderId));
      const receivedOf = (order: Answered) => order.returns.find((orderReturn) => orderReturn.returnId === returnId && orderReturn.receivedAt !== null);
      const order = await fulfil(
        principal,
        orderId,
        () => sendFulfilmentUpdate(temporal, orderId, 'receive', returnId, receiveReturn, { returnId, restock, requestedBy: principal.sub }),
        (read) => receivedOf(read) !== undefined,
      );
      const received = receivedOf(order);
      // A repeated receipt is answered with the first one's result: one that said otherwise is told so.
      if (received && received.restocked !== restock) throw conflict(`Return ${returnId} was already received with restock: ${received.restocked}`);
      c.get('log').info({ orderId, returnId, restock, by: principal.sub }, 'return received');
      return c.json(order, 200);
    });
}
