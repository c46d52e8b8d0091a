import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { InventoryReads } from '../../activities/inventory/reads.js';
import type { StockLevel } from '../../activities/inventory/contract.js';
import type { NotificationView } from '../../activities/notification/contract.js';
import type { NotificationReads } from '../../activities/notification/reads.js';
import type { NewSealedWebhookSubscription, SealedWebhookSubscription, WebhookDelivery, WebhookSubscription } from '../../activities/notification/webhooks.contract.js';
import type { OrderSummary, OrderView } from '../../activities/order/contract.js';
import type { OrderReads } from '../../activities/order/reads.js';
import type { OrderEvent } from '../../activities/order/timeline.contract.js';
import type { PaymentView } from '../../activities/payment/contract.js';
import type { PaymentReads } from '../../activities/payment/reads.js';
import type { Product } from '../../activities/product/contract.js';
import type { ProductReads } from '../../activities/product/reads.js';
import type { Readers } from '../../api/context.js';
import { decodeCursor, encodeCursor, type Page } from '../../common/pagination.js';
import { seal } from '../../common/sealed-secret.js';

/** What the services' schemas hold, as a test seeds it. */
export interface Store {
  products: Map<string, Product>;
  stock: Map<string, StockLevel>;
  /** Newest last; lists answer newest first. */
  orders: OrderView[];
  notifications: Map<string, NotificationView[]>;
  /** By order ID. */
  payments: Map<string, PaymentView>;
  /** Request IDs of adjustments already in the ledger. */
  appliedAdjustments: Set<string>;
  /** Every order's timeline events, oldest first. */
  events: OrderEvent[];
  /** Oldest first, as the port lists them (no secrets: the read port never sees one). */
  webhookSubscriptions: WebhookSubscription[];
  /** Every subscription's deliveries, oldest first; the log answers newest first. */
  webhookDeliveries: WebhookDelivery[];
}

export const emptyStore = (): Store => ({ products: new Map(), stock: new Map(), orders: [], notifications: new Map(), payments: new Map(), appliedAdjustments: new Set(), events: [], webhookSubscriptions: [], webhookDeliveries: [] });

const TIME = '2026-12-07T09:00:00.000Z';

export const product = (sku: string, fields: Partial<Product> = {}): Product => ({
  sku,
  name: `Product ${sku}`,
  description: '',
  priceCents: 1_000,
  currency: 'EUR',
  active: true,
  createdAt: TIME,
  updatedAt: TIME,
  ...fields,
});

export const stockLevel = (sku: string, onHand: number, reserved = 0): StockLevel => ({ sku, onHand, reserved, available: onHand - reserved, inStock: onHand - reserved > 0 });

export const order = (orderId: string, customerId: string, fields: Partial<OrderView> = {}): OrderView => ({
  orderId,
  customerId,
  status: 'CONFIRMED',
  lines: [{ sku: 'LAMP-1', name: 'Lamp', quantity: 1, unitPriceCents: 1_000, lineTotalCents: 1_000 }],
  totalCents: 1_000,
  currency: 'EUR',
  cancelledLines: [],
  shipments: [],
  returns: [],
  createdAt: TIME,
  updatedAt: TIME,
  ...fields,
});

/** A timeline event of an order: placed by its customer unless `fields` say otherwise. */
export const orderEvent = (orderId: string, fields: Partial<OrderEvent> = {}): OrderEvent => ({
  eventId: randomUUID(),
  orderId,
  type: 'order.placed',
  at: TIME,
  actor: { kind: 'customer', id: 'alice' },
  status: 'PENDING',
  details: { lines: [{ sku: 'LAMP-1', quantity: 1 }] },
  ...fields,
}) as OrderEvent;

export const webhookSubscription = (subscriptionId: string, fields: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  subscriptionId,
  url: 'https://hooks.example.com/orderflow',
  events: ['order.confirmed'],
  enabled: true,
  description: null,
  createdAt: TIME,
  updatedAt: TIME,
  ...fields,
});

/**
 * What CreateWebhookSubscription answers for a subscription made with `secret`, as the notification
 * activity does: the secret sealed to the start's `sealTo` key (the API opens it for its answer).
 */
export function sealedSubscription(startInput: unknown, subscription: WebhookSubscription, secret: string): SealedWebhookSubscription {
  return { ...subscription, sealedSecret: seal(secret, (startInput as NewSealedWebhookSubscription).sealTo) };
}

export const webhookDelivery = (deliveryId: string, subscriptionId: string, fields: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  deliveryId,
  subscriptionId,
  eventId: randomUUID(),
  eventType: 'order.confirmed',
  orderId: randomUUID(),
  status: 'DELIVERED',
  failure: null,
  createdAt: TIME,
  attempts: [{ attempt: 1, startedAt: TIME, finishedAt: TIME, statusCode: 200, latencyMs: 42, responseExcerpt: 'ok', error: null }],
  ...fields,
});

export const payment = (orderId: string, fields: Partial<PaymentView> = {}): PaymentView => ({
  orderId,
  provider: 'sandbox',
  status: 'AUTHORISED',
  amountCents: 1_000,
  currency: 'EUR',
  capturedCents: 0,
  refundedCents: 0,
  declineCode: null,
  authorisedAt: TIME,
  expiresAt: '2026-12-14T09:00:00.000Z',
  ...fields,
});

/** A page of `items` from the offset in `cursor`; a cursor this port did not hand out is InvalidCursorError, as the real ports' is. */
function pageOf<T>(items: T[], limit: number, cursor: string | undefined): Page<T> {
  const offset = cursor === undefined ? 0 : decodeCursor(cursor, z.number().int().min(0));
  const page = items.slice(offset, offset + limit);
  return { items: page, nextCursor: offset + limit < items.length ? encodeCursor(offset + limit) : null };
}

const summary = ({ lines: _lines, reason: _reason, cancelledLines: _cancelledLines, shipments: _shipments, returns: _returns, ...rest }: OrderView): OrderSummary => rest;

/** The five read ports over one in-memory store; they read only, as the real ones do. */
export function memoryReaders(store: Store): Readers {
  const products: ProductReads = {
    product: async (sku) => store.products.get(sku),
    products: async (skus) => new Map(skus.flatMap((sku) => (store.products.has(sku) ? [[sku, store.products.get(sku)!] as const] : []))),
    list: async ({ q, limit, cursor }) =>
      pageOf(
        [...store.products.values()].filter((p) => p.active && (!q || p.name.toLowerCase().includes(q.toLowerCase()) || p.sku.includes(q.toUpperCase()))),
        limit,
        cursor,
      ),
  };
  const inventory: InventoryReads = {
    level: async (sku) => store.stock.get(sku),
    levels: async (skus) => new Map(skus.flatMap((sku) => (store.stock.has(sku) ? [[sku, store.stock.get(sku)!] as const] : []))),
    isAdjustmentApplied: async (requestId) => store.appliedAdjustments.has(requestId),
  };
  const find = async (orderId: string) => store.orders.find((o) => o.orderId === orderId);
  const orders: OrderReads = {
    order: find,
    record: find,
    orderOnceDecided: find,
    list: async ({ customerId, status, sku, from, to, limit, cursor }) =>
      pageOf(
        store.orders
          .filter((o) => (customerId === undefined || o.customerId === customerId) && (status === undefined || o.status === status))
          .filter((o) => (sku === undefined || o.lines.some((line) => line.sku === sku)) && (from === undefined || Date.parse(o.createdAt) >= Date.parse(from)) && (to === undefined || Date.parse(o.createdAt) < Date.parse(to)))
          .reverse()
          .map(summary),
        limit,
        cursor,
      ),
    events: async (orderId, { limit, cursor }) =>
      pageOf(
        store.events.filter((event) => event.orderId === orderId),
        limit,
        cursor,
      ),
  };
  const notifications: NotificationReads = {
    forOrder: async (orderId) => store.notifications.get(orderId) ?? [],
    webhookSubscriptions: async () => [...store.webhookSubscriptions],
    webhookSubscription: async (subscriptionId) => store.webhookSubscriptions.find((subscription) => subscription.subscriptionId === subscriptionId),
    webhookDeliveries: async ({ subscriptionId, limit, cursor }) =>
      pageOf(
        store.webhookDeliveries.filter((delivery) => delivery.subscriptionId === subscriptionId).reverse(),
        limit,
        cursor,
      ),
    webhookDelivery: async (deliveryId) => store.webhookDeliveries.find((delivery) => delivery.deliveryId === deliveryId),
  };
  const payments: PaymentReads = { paymentOf: async (orderId) => store.payments.get(orderId) };
  return { products, inventory, orders, notifications, payments };
}
