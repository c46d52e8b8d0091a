import type { EmailKind, EmailOrder } from './contract.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const money = (cents: number | null, currency: string | null) =>
  cents === null || currency === null ? '-' : new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const headlines: Record<EmailKind, (order: EmailOrder) => { subject: string; intro: string }> = {
  ORDER_CONFIRMED: (o) => ({ subject: `Order ${o.orderId} confirmed`, intro: 'Thank you for your order. It is confirmed.' }),
  ORDER_REJECTED: (o) => ({
    subject: `Order ${o.orderId} could not be placed`,
    intro: `We could not accept your order (${(o.reason ?? 'UNKNOWN').replaceAll('_', ' ').toLowerCase()}). You have not been charged.`,
  }),
  ORDER_CANCELLED: (o) => ({ subject: `Order ${o.orderId} cancelled`, intro: 'Your order has been cancelled.' }),
};

export function renderOrderEmail(kind: EmailKind, order: EmailOrder): RenderedEmail {
  const { subject, intro } = headlines[kind](order);
  const rows = order.lines.map((line) => ({
    label: line.name ? `${line.name} (${line.sku})` : line.sku,
    quantity: line.quantity,
    unit: money(line.unitPriceCents, order.currency),
    total: money(line.lineTotalCents, order.currency),
  }));
  const total = money(order.totalCents, order.currency);

  const text = [
    intro,
    '',
    `Order: ${order.orderId}`,
    ...rows.map((row) => `  ${row.quantity} x ${row.label} @ ${row.unit} = ${row.total}`),
    `Total: ${total}`,
  ].join('\n');

  const html = `<!doctype html><html><body>
<p>${escapeHtml(intro)}</p>
<p>Order: <strong>${escapeHtml(order.orderId)}</strong></p>
<table>
<thead><tr><th>Item</th><th>Qty</th><th>Unit</th><th>Total</th></tr></thead>
<tbody>
${rows.map((row) => `<tr><td>${escapeHtml(row.label)}</td><td>${row.quantity}</td><td>${escapeHtml(row.unit)}</td><td>${escapeHtml(row.total)}</td></tr>`).join('\n')}
</tbody>
<tfoot><tr><td colspan="3">Total</td><td>${escapeHtml(total)}</td></tr></tfoot>
</table>
</body></html>`;

  return { subject, text, html };
}
