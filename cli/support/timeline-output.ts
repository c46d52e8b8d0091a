import type { z } from 'zod';
import type { OrderEventSchema } from '../../api/schemas.js';
import { formatMoney, formatTime, printTable } from './output.js';

export type OrderEvent = z.infer<typeof OrderEventSchema>;

const formatLines = (lines: Array<{ sku: string; quantity: number }>) => lines.map((line) => `${line.sku} ×${line.quantity}`).join(', ');

/** What an event changed, in one cell. */
function whatChanged(event: OrderEvent): string {
  switch (event.type) {
    case 'order.placed':
      return formatLines(event.details.lines);
    case 'order.confirmed':
      return formatMoney(event.details.totalCents, event.details.currency);
    case 'order.rejected':
    case 'order.cancelled':
      return event.details.reason;
    case 'order.shipped':
      return `${event.details.shipmentId}: ${formatLines(event.details.lines)} by ${event.details.carrier} ${event.details.trackingNumber}`;
    case 'order.delivered':
      return event.details.shipmentId;
    case 'order.return_requested':
      return `${event.details.returnId}: ${formatLines(event.details.lines)}${event.details.reason ? ` (${event.details.reason})` : ''}`;
    case 'order.returned':
      return `${event.details.returnId}: ${event.details.restocked ? 'restocked' : 'not restocked'}`;
    case 'order.unshipped_cancelled':
      return `${formatLines(event.details.lines)} (never shipped)`;
    case 'payment.captured':
      return formatMoney(event.details.amountCents, event.details.currency);
    case 'payment.refunded':
      return `${formatMoney(event.details.amountCents, event.details.currency)} (${event.details.refundId})`;
  }
}

/** An order's timeline as `orders show` prints it: one row per event, oldest first. */
export function printTimeline(events: OrderEvent[]): void {
  printTable(
    ['at', 'event', 'by', 'status', 'what'],
    events.map((event) => [formatTime(event.at), event.type, `${event.actor.kind} ${event.actor.id}`, event.status, whatChanged(event)]),
  );
}
