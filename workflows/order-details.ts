import type { OrderState, PlaceOrderInput } from './place-order.contract.js';

const money = (cents: number | null | undefined, currency: string | undefined) =>
  cents === null || cents === undefined ? '–' : `${(cents / 100).toFixed(2)} ${currency ?? ''}`.trim();

const shipmentCount = (state: OrderState) => `${state.shipments?.length ?? 0} shipment(s)`;

const headline = (state: OrderState, input: PlaceOrderInput): string => {
  switch (state.status) {
    case 'PENDING':
      return '**Pending**: recording, pricing, reserving stock and authorising payment';
    case 'CONFIRMED':
      if (!state.cancellable) return '**Confirmed** for good (cancellation window closed)';
      return state.customerCancellableUntil
        ? `**Confirmed**, awaiting shipment; the customer may cancel until ${state.customerCancellableUntil}, staff until it ships`
        : `**Confirmed**, cancellable for ${input.cancellationWindow} after confirmation`;
    case 'REJECTED':
      return `**Rejected**: ${state.reason ?? 'unknown reason'}`;
    case 'CANCELLED':
      return `**Cancelled**: ${state.reason ?? ''}`;
    case 'PARTIALLY_SHIPPED':
      return `**Partially shipped**: ${shipmentCount(state)}, more to ship`;
    case 'SHIPPED':
      return `**Shipped**: ${shipmentCount(state)}, awaiting delivery`;
    case 'DELIVERED':
    case 'PARTIALLY_RETURNED':
    case 'RETURNED': {
      const returns = `${state.returns?.length ?? 0} return(s)`;
      const window = state.returnableUntil ? `returnable until ${state.returnableUntil}` : 'return window not open';
      return `**${state.status === 'DELIVERED' ? 'Delivered' : state.status === 'RETURNED' ? 'Returned' : 'Partially returned'}**: ${returns}; ${window}`;
    }
  }
};

/**
 * The order as an operator reads it in the Web UI (Markdown): where it stands, then its lines
 * and totals once priced. Pure: workflow code calls it.
 */
export function orderDetails(state: OrderState, input: PlaceOrderInput): string {
  const priced = state.priced;
  const rows = priced
    ? priced.lines.map((line) => `| ${line.sku} | ${line.name} | ${line.quantity} | ${money(line.unitPriceCents, priced.currency)} | ${money(line.lineTotalCents, priced.currency)} |`)
    : state.lines.map((line) => `| ${line.sku} | | ${line.quantity} | | |`);
  const shipments = (state.shipments ?? []).map(
    (shipment) => `- ${shipment.carrier} ${shipment.trackingNumber}: ${shipment.lines.map((line) => `${line.quantity} x ${line.sku}`).join(', ')}${shipment.deliveredAt ? ' (delivered)' : ''}`,
  );
  return [
    headline(state, input),
    '',
    '| SKU | product | quantity | unit price | line total |',
    '|---|---|---:|---:|---:|',
    ...rows,
    ...(priced ? ['', `**Total ${money(priced.totalCents, priced.currency)}**`] : []),
    ...(shipments.length > 0 ? ['', '**Shipments**', ...shipments] : []),
  ].join('\n');
}
