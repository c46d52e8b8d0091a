import type { EmailKind, EmailOrder, EmailSubject } from './contract.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const money = (cents: number | null, currency: string | null) =>
  cents === null || currency === null ? '-' : new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

interface Headline {
  subject: string;
  intro: string;
  /** Facts named under the intro, `label: value`: a shipment's carrier and tracking number. */
  facts?: Array<[string, string]>;
}

const headlines: Record<EmailKind, (order: EmailOrder, about: EmailSubject | undefined) => Headline> = {
  ORDER_CONFIRMED: (o) => ({ subject: `Order ${o.orderId} confirmed`, intro: 'Thank you for your order. It is confirmed.' }),
  ORDER_REJECTED: (o) => ({
    subject: `Order ${o.orderId} could not be placed`,
    intro: `We could not accept your order (${(o.reason ?? 'UNKNOWN').replaceAll('_', ' ').toLowerCase()}). You have not been charged.`,
  }),
  ORDER_CANCELLED: (o) => ({ subject: `Order ${o.orderId} cancelled`, intro: 'Your order has been cancelled.' }),
  ORDER_SHIPPED: (o, about) => ({
    subject: `Order ${o.orderId} shipped`,
    intro: 'These items of your order are on their way.',
    facts: [
      ['Carrier', about?.carrier ?? '-'],
      ['Tracking number', about?.trackingNumber ?? '-'],
    ],
  }),
  ORDER_DELIVERED: (o) => ({ subject: `Order ${o.orderId} delivered`, intro: 'These items of your order have been delivered.' }),
  RETURN_RECEIVED: (o) => ({ subject: `Return for order ${o.orderId} received`, intro: 'We have received these items you sent back.' }),
  REFUND_ISSUED: (o, about) => ({
    subject: `Refund for order ${o.orderId}`,
    intro: `We have refunded ${money(about?.amountCents ?? null, o.currency)} to your original payment method.`,
  }),
};

const labelOf = (sku: string, name: string | null) => (name ? `${name} (${sku})` : sku);

/** The order's lines, priced, with its total: what the order's own emails list. */
function pricedLines(order: EmailOrder) {
  const rows = order.lines.map((line) => ({
    label: labelOf(line.sku, line.name),
    quantity: line.quantity,
    unit: money(line.unitPriceCents, order.currency),
    total: money(line.lineTotalCents, order.currency),
  }));
  const total = money(order.totalCents, order.currency);
  return {
    text: [...rows.map((row) => `  ${row.quantity} x ${row.label} @ ${row.unit} = ${row.total}`), `Total: ${total}`],
    html: `<table>
<thead><tr><th>Item</th><th>Qty</th><th>Unit</th><th>Total</th></tr></thead>
<tbody>
${rows.map((row) => `<tr><td>${escapeHtml(row.label)}</td><td>${row.quantity}</td><td>${escapeHtml(row.unit)}</td><td>${escapeHtml(row.total)}</td></tr>`).join('\n')}
</tbody>
<tfoot><tr><td colspan="3">Total</td><td>${escapeHtml(total)}</td></tr></tfoot>
</table>`,
  };
}

/** The units an email is about (shipped, delivered, received), named as the order names them; none, no table. */
function unitLines(order: EmailOrder, lines: NonNullable<EmailSubject['lines']>) {
  const names = new Map(order.lines.map((line) => [line.sku, line.name]));
  const rows = lines.map((line) => ({ label: labelOf(line.sku, names.get(line.sku) ?? null), quantity: line.quantity }));
  if (rows.length === 0) return { text: [], html: '' };
  return {
    text: rows.map((row) => `  ${row.quantity} x ${row.label}`),
    html: `<table>
<thead><tr><th>Item</th><th>Qty</th></tr></thead>
<tbody>
${rows.map((row) => `<tr><td>${escapeHtml(row.label)}</td><td>${row.quantity}</td></tr>`).join('\n')}
</tbody>
</table>`,
  };
}

/**
 * An email of `order`. The order's own (no subject) list the whole order, priced; one about a
 * shipment, return or refund lists the units it concerns, if any (a refund's amount says it all).
 */
export function renderOrderEmail(kind: EmailKind, order: EmailOrder, about?: EmailSubject): RenderedEmail {
  const { subject, intro, facts = [] } = headlines[kind](order, about);
  const lines = about ? unitLines(order, about.lines ?? []) : pricedLines(order);

  const text = [intro, ...facts.map(([label, value]) => `${label}: ${value}`), '', `Order: ${order.orderId}`, ...lines.text].join('\n');

  const factsHtml = facts.length === 0 ? '' : `<p>${facts.map(([label, value]) => `${label}: <strong>${escapeHtml(value)}</strong>`).join('<br>')}</p>\n`;
  const html = `<!doctype html><html><body>
<p>${escapeHtml(intro)}</p>
${factsHtml}<p>Order: <strong>${escapeHtml(order.orderId)}</strong></p>
${lines.html && `${lines.html}\n`}</body></html>`;

  return { subject, text, html };
}
