import type { DeliveryRequest, ReturnReceipt, ReturnRequest, ShipRequest } from '../../workflows/place-order.contract.js';
import type { FastApp } from './fast-app.js';

/** When the fake workflow records a step. */
export const STEP_TIME = '2026-12-07T10:00:00.000Z';

const has = (request: unknown, field: string) => typeof request === 'object' && request !== null && field in request;

/**
 * The fulfilment Updates as the PlaceOrder workflow answers them, over the app's first order in
 * its store: each step is recorded once per shipment or return ID, whatever is repeated (a
 * shipment without lines takes every ordered unit; a receipt refunds 1,000 cents).
 */
export function recordFulfilment(app: FastApp): void {
  app.temporal.updateAnswers(([request]: unknown[]) => {
    const order = app.store.orders[0]!;
    if (has(request, 'carrier')) {
      const { shipmentId, lines = order.lines.map(({ sku, quantity }) => ({ sku, quantity })), carrier, trackingNumber } = request as ShipRequest;
      if (!order.shipments.some((s) => s.shipmentId === shipmentId)) order.shipments.push({ shipmentId, lines, carrier, trackingNumber, shippedAt: STEP_TIME, deliveredAt: null });
    } else if (has(request, 'restock')) {
      const { returnId, restock } = request as ReturnReceipt;
      const orderReturn = order.returns.find((r) => r.returnId === returnId)!;
      if (orderReturn.receivedAt === null) Object.assign(orderReturn, { receivedAt: STEP_TIME, restocked: restock, refundCents: 1_000 });
    } else if (has(request, 'reason')) {
      const { returnId, lines, reason } = request as ReturnRequest;
      if (!order.returns.some((r) => r.returnId === returnId)) order.returns.push({ returnId, lines, reason, requestedAt: STEP_TIME, receivedAt: null, restocked: null, refundCents: null });
    } else {
      const shipment = order.shipments.find((s) => s.shipmentId === (request as DeliveryRequest).shipmentId)!;
      shipment.deliveredAt ??= STEP_TIME;
    }
    return { status: order.status };
  });
}
