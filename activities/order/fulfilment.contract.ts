import type { OrderStatus, PricedOrder } from './contract.js';

/**
 * The order service's contract for what follows confirmation: shipments, deliveries, returns, and
 * the rules that decide what each may hold and which status follows. Pure: the workflow runs these
 * rules in its Update validators, and the order service records what they allowed.
 */

/** Some units of one SKU of the order. */
export interface FulfilmentLine {
  sku: string;
  quantity: number;
}

export interface Shipment {
  shipmentId: string;
  lines: FulfilmentLine[];
  carrier: string;
  trackingNumber: string;
  shippedAt: string;
  deliveredAt: string | null;
}

export interface OrderReturn {
  returnId: string;
  lines: FulfilmentLine[];
  reason: string;
  requestedAt: string;
  receivedAt: string | null;
  /** Whether the received units went back to available stock; null until received. */
  restocked: boolean | null;
  /** What was refunded for it (minor units); null until received. */
  refundCents: number | null;
}

/** Shipment and return IDs are UUIDs (the API derives them from the Idempotency-Key; PostgreSQL stores them as uuid). */
export const isFulfilmentId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** Limits on what staff and customers write (PostgreSQL stores them; the API checks them first). */
export const FULFILMENT_LIMITS = { carrier: 100, trackingNumber: 100, returnReason: 500, linesPerRequest: 100 } as const;

const quantities = (lines: readonly FulfilmentLine[]) => {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return bySku;
};

const asLines = (bySku: Map<string, number>): FulfilmentLine[] => [...bySku].filter(([, quantity]) => quantity > 0).map(([sku, quantity]) => ({ sku, quantity }));

/** What is left of `from` once `taken` is subtracted, SKU by SKU. */
export function remaining(from: readonly FulfilmentLine[], taken: readonly FulfilmentLine[]): FulfilmentLine[] {
  const left = quantities(from);
  for (const [sku, quantity] of quantities(taken)) left.set(sku, (left.get(sku) ?? 0) - quantity);
  return asLines(left);
}

/** Why `requested` cannot be taken out of `available`, or undefined when it can. */
function overdraw(requested: readonly FulfilmentLine[], available: readonly FulfilmentLine[], what: string): string | undefined {
  if (requested.length === 0) return `no lines to ${what}`;
  const odd = requested.find((line) => !Number.isSafeInteger(line.quantity) || line.quantity < 1);
  if (odd) return `${odd.sku}: a quantity must be a whole number of at least 1, not ${odd.quantity}`;
  const left = quantities(available);
  for (const [sku, quantity] of quantities(requested)) {
    const free = left.get(sku) ?? 0;
    if (quantity > free) return free === 0 ? `${sku}: nothing left to ${what}` : `${sku}: only ${free} left to ${what}, not ${quantity}`;
  }
  return undefined;
}

export const unshippedLines = (ordered: readonly FulfilmentLine[], shipments: readonly Shipment[]): FulfilmentLine[] =>
  remaining(ordered, shipments.flatMap((shipment) => shipment.lines));

/** Delivered units not yet asked back. */
export const returnableLines = (shipments: readonly Shipment[], returns: readonly OrderReturn[]): FulfilmentLine[] =>
  remaining(
    shipments.filter((shipment) => shipment.deliveredAt !== null).flatMap((shipment) => shipment.lines),
    returns.flatMap((orderReturn) => orderReturn.lines),
  );

/** Why a shipment of `requested` cannot go out, or undefined. */
export const shipmentRefusal = (ordered: readonly FulfilmentLine[], shipments: readonly Shipment[], requested: readonly FulfilmentLine[]) =>
  overdraw(requested, unshippedLines(ordered, shipments), 'ship');

/** Why a return of `requested` cannot be taken, or undefined. */
export const returnRefusal = (shipments: readonly Shipment[], returns: readonly OrderReturn[], requested: readonly FulfilmentLine[]) =>
  overdraw(requested, returnableLines(shipments, returns), 'return');

/** The status once shipments are recorded: SHIPPED when nothing is left, DELIVERED when all of it arrived. */
export function fulfilmentStatus(ordered: readonly FulfilmentLine[], shipments: readonly Shipment[]): OrderStatus {
  if (unshippedLines(ordered, shipments).length > 0) return 'PARTIALLY_SHIPPED';
  return shipments.every((shipment) => shipment.deliveredAt !== null) ? 'DELIVERED' : 'SHIPPED';
}

/** The status once a return is received: RETURNED when every delivered unit came back. */
export function returnStatus(shipments: readonly Shipment[], returns: readonly OrderReturn[]): OrderStatus {
  const received = returns.filter((orderReturn) => orderReturn.receivedAt !== null).flatMap((orderReturn) => orderReturn.lines);
  if (received.length === 0) return 'DELIVERED';
  const delivered = shipments.flatMap((shipment) => shipment.lines);
  return remaining(delivered, received).length === 0 ? 'RETURNED' : 'PARTIALLY_RETURNED';
}

/** What `lines` cost at the prices the order was confirmed with (minor units). */
export function priceOf(priced: PricedOrder, lines: readonly FulfilmentLine[]): number {
  const unitPrice = new Map(priced.lines.map((line) => [line.sku, line.unitPriceCents]));
  return lines.reduce((total, line) => total + (unitPrice.get(line.sku) ?? 0) * line.quantity, 0);
}
