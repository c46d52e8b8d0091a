import type { z } from 'zod';
import type { OrderSchema } from '../../api/schemas.js';
import { formatMoney, formatTime, printFields, printTable } from './output.js';

export type Order = z.infer<typeof OrderSchema>;

/** Units as one cell: `LAMP-1 ×2, DESK-1 ×1`. */
const formatLines = (lines: Array<{ sku: string; quantity: number }>) => lines.map((line) => `${line.sku} ×${line.quantity}`).join(', ');

function formatPayment(order: Order): string {
  const { payment } = order;
  if (!payment) return '-';
  const money = (cents: number) => formatMoney(cents, payment.currency);
  return `${payment.status} ${money(payment.amountCents)} (captured ${money(payment.capturedCents)}, refunded ${money(payment.refundedCents)})`;
}

/** One order as the order commands print it: its fields (units cancelled as never shipping, if any), lines, and shipments and returns once it has any. */
export function printOrder(order: Order): void {
  printFields([
    ['order', order.orderId],
    ['workflow', `order-${order.orderId}`],
    ['customer', order.customerId],
    ['status', order.reason ? `${order.status} (${order.reason})` : order.status],
    ['total', formatMoney(order.totalCents, order.currency)],
    // Only once the fulfilment window closed on some units: they never ship, and were refunded.
    ...(order.cancelledLines.length > 0 ? [['cancelled', `${formatLines(order.cancelledLines)} (never shipped)`] as [string, string]] : []),
    ['payment', formatPayment(order)],
    ['created', formatTime(order.createdAt)],
    ['updated', formatTime(order.updatedAt)],
  ]);
  process.stdout.write('\n');
  printTable(
    ['sku', 'name', 'quantity', 'unit price', 'line total'],
    order.lines.map((line) => [line.sku, line.name ?? '-', line.quantity, formatMoney(line.unitPriceCents, order.currency), formatMoney(line.lineTotalCents, order.currency)]),
  );
  if (order.shipments.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['shipment', 'units', 'carrier', 'tracking', 'shipped', 'delivered'],
      order.shipments.map((s) => [s.shipmentId, formatLines(s.lines), s.carrier, s.trackingNumber, formatTime(s.shippedAt), formatTime(s.deliveredAt)]),
    );
  }
  if (order.returns.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['return', 'units', 'reason', 'requested', 'received', 'restocked', 'refund'],
      order.returns.map((r) => [
        r.returnId,
        formatLines(r.lines),
        r.reason,
        formatTime(r.requestedAt),
        formatTime(r.receivedAt),
        r.restocked === null ? '-' : r.restocked ? 'yes' : 'no',
        formatMoney(r.refundCents, order.currency),
      ]),
    );
  }
}
