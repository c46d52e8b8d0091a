import type { OrderState, PlaceOrderInput } from './place-order.contract.js';

const money = (cents: number | null | undefined, currency: string | undefined) =>
  cents === null || cents === undefined ? '–' : `${(cents / 100).toFixed(2)} ${currency ?? ''}`.trim();

const headline = (state: OrderState, input: PlaceOrderInput): string => {
  switch (state.status) {
    case 'PENDING':
      return '**Pending**: recording, pricing and reserving stock';
    case 'CONFIRMED':
      return state.cancellable ? `**Confirmed**, cancellable for ${input.cancellationWindow} after confirmation` : '**Confirmed** for good (cancellation window closed)';
    case 'REJECTED':
      return `**Rejected**: ${state.reason ?? 'unknown reason'}`;
    case 'CANCELLED':
      return `**Cancelled**: ${state.reason ?? ''}`;
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
  return [
    headline(state, input),
    '',
    '| SKU | product | quantity | unit price | line total |',
    '|---|---|---:|---:|---:|',
    ...rows,
    ...(priced ? ['', `**Total ${money(priced.totalCents, priced.currency)}**`] : []),
  ].join('\n');
}
