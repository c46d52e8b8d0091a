import { z } from '@hono/zod-openapi';
import { PlainText } from '../common/text.js';
import { EMAIL_KINDS } from '../activities/notification/contract.js';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_LIMITS, webhookUrlProblem } from '../activities/notification/webhooks.contract.js';
import { ORDER_STATUSES } from '../activities/order/contract.js';
import { FULFILMENT_LIMITS } from '../activities/order/fulfilment.contract.js';
import type { OrderEventType } from '../activities/order/timeline.contract.js';
import { isPaymentMethodToken, PAYMENT_METHOD_PATTERN, PAYMENT_STATUSES } from '../activities/payment/contract.js';
import { MAX_PRICE_CENTS, SKU_PATTERN } from '../activities/product/contract.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })),
    }),
  })
  .openapi('Error');

/** JSON Schema's class of what PlainText refuses: C0 and C1 controls and DEL (less tab and line breaks, multiline). */
const controlClass = (multiline: boolean) => (multiline ? '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F' : '\\u0000-\\u001F\\u007F-\\u009F');

/**
 * Free text (common/text.ts) with what the server does to it said in the document: surrounding
 * white space is trimmed first (a pattern allows it around the text), then no control characters
 * and, when `min` > 0, not blank. Lengths apply to the trimmed text.
 */
export function Text(max: number, { min = 0, multiline = false }: { min?: number; multiline?: boolean } = {}) {
  const allowed = `[^${controlClass(multiline)}]`;
  const edge = `[^\\s${controlClass(multiline)}]`;
  const content = `${edge}(?:${allowed}*${edge})?`;
  return PlainText(max, { min, multiline }).openapi({
    pattern: min > 0 ? `^\\s*${content}\\s*$` : `^\\s*(?:${content})?\\s*$`,
    description: `Trimmed of surrounding white space; then ${min > 0 ? `${min} to ` : 'at most '}${max} characters of valid Unicode, no control characters${multiline ? ' other than tabs and line breaks' : ''}`,
  });
}

export const SkuSchema = z
  .string()
  .regex(SKU_PATTERN, 'SKU: 2-64 upper-case letters, digits or dashes')
  .openapi({ example: 'TEE-BLK-M' });

export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR').openapi({ example: 'EUR' });

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^[\w-]{1,500}$/, 'not a cursor from this API').optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** An instant as the API writes it (ISO 8601, UTC). */
const Timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-26T11:18:14.924Z' });

export const ProductSchema = z
  .object({
    sku: SkuSchema,
    name: z.string(),
    description: z.string(),
    priceCents: z.number().int(),
    currency: CurrencySchema,
    active: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Product');

export const StockLevelSchema = z
  .object({ sku: SkuSchema, onHand: z.number().int(), reserved: z.number().int(), available: z.number().int(), inStock: z.boolean() })
  .openapi('StockLevel');

export const OrderStatusSchema = z.enum(ORDER_STATUSES);

/** Some units of one SKU, as shipped or returned. */
const FulfilmentLineSchema = z.object({ sku: z.string(), quantity: z.number().int() });

export const ShipmentSchema = z
  .object({
    shipmentId: z.uuid(),
    lines: z.array(FulfilmentLineSchema),
    carrier: z.string(),
    trackingNumber: z.string(),
    shippedAt: Timestamp,
    deliveredAt: Timestamp.nullable(),
  })
  .openapi('Shipment');

export const OrderReturnSchema = z
  .object({
    returnId: z.uuid(),
    lines: z.array(FulfilmentLineSchema),
    reason: z.string(),
    requestedAt: Timestamp,
    receivedAt: Timestamp.nullable(),
    restocked: z.boolean().nullable().openapi({ description: 'Whether the units went back to available stock; null until received' }),
    refundCents: z.number().int().nullable().openapi({ description: 'What was refunded for it (minor units, the order\'s currency); null until received' }),
  })
  .openapi('OrderReturn');

export const PaymentSchema = z
  .object({
    status: z.enum(PAYMENT_STATUSES),
    amountCents: z.number().int(),
    currency: z.string(),
    capturedCents: z.number().int(),
    refundedCents: z.number().int(),
  })
  .openapi('Payment');

export const OrderSchema = z
  .object({
    orderId: z.uuid(),
    customerId: z.string(),
    status: OrderStatusSchema,
    lines: z.array(
      z.object({
        sku: z.string(),
        name: z.string().nullable(),
        quantity: z.number().int(),
        unitPriceCents: z.number().int().nullable(),
        lineTotalCents: z.number().int().nullable(),
      }),
    ),
    totalCents: z.number().int().nullable(),
    currency: z.string().nullable(),
    reason: z.string().optional(),
    cancelledLines: z
      .array(FulfilmentLineSchema)
      .openapi({ description: 'Units that will never ship: the fulfilment window closed on them, their stock was released and their price refunded; empty otherwise' }),
    shipments: z.array(ShipmentSchema).openapi({ description: 'In the order they were shipped; empty until the first one' }),
    returns: z.array(OrderReturnSchema).openapi({ description: 'In the order they were asked for; empty until the first one' }),
    payment: PaymentSchema.nullable().openapi({ description: 'What the payment provider holds for the order; null for an order placed without a payment method, or not authorised yet' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Order');

export const OrderSummarySchema = OrderSchema.pick({
  orderId: true,
  customerId: true,
  status: true,
  totalCents: true,
  currency: true,
  createdAt: true,
  updatedAt: true,
}).openapi('OrderSummary');

/** What PostgreSQL's timestamptz cannot read (a 22008 or 22009): year 0000, an offset of 16 hours or more. */
const unreadableInstant = /^0000-|[+-](?:1[6-9]|2\d):\d\d$/;

/** An instant a client names (ISO 8601 with `Z` or an offset), as a search bound. */
const Instant = (description: string) =>
  z.iso
    .datetime({ offset: true })
    .refine((value) => !unreadableInstant.test(value), 'a year from 0001 and an offset under 16 hours')
    .optional()
    .openapi({ param: { description }, example: '2026-12-01T00:00:00Z' });

/**
 * GET /orders: a page of orders, newest first, each filter narrowing it. `customer` is staff's
 * (a customer sees their own orders only); `from` must come before `to`.
 */
export const OrderSearchQuerySchema = PageQuerySchema.extend({
  status: OrderStatusSchema.optional(),
  customer: Text(200, { min: 1 })
    .optional()
    .openapi({ param: { description: "Only this customer's orders (their customer ID, the token subject they ordered with). Operators and admins only: a customer's is a 403" } }),
  sku: SkuSchema.optional().openapi({ param: { description: 'Only orders having a line of this SKU' } }),
  from: Instant('Only orders created at or after this instant (inclusive)'),
  to: Instant('Only orders created before this instant (exclusive); after `from`'),
}).refine((query) => query.from === undefined || query.to === undefined || Date.parse(query.from) < Date.parse(query.to), {
  message: '`from` must be before `to`',
  path: ['from'],
});

export const ShippingAddressSchema = z
  .object({
    name: Text(200, { min: 1 }),
    line1: Text(200, { min: 1 }),
    line2: Text(200).optional(),
    city: Text(100, { min: 1 }),
    postalCode: Text(20, { min: 1 }),
    country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code'),
  })
  .strict()
  .openapi('ShippingAddress');

export const PlaceOrderSchema = z
  .object({
    lines: z
      .array(z.object({ sku: SkuSchema, quantity: z.number().int().min(1).max(1000) }).strict())
      .min(1)
      .max(50)
      .refine((lines) => new Set(lines.map((line) => line.sku)).size === lines.length, 'each SKU may appear on one line only'),
    shippingAddress: ShippingAddressSchema.optional(),
    // A provider's token only: card numbers never reach us (strict: a card field is an unknown field).
    payment: z
      .object({
        method: z
          .string()
          .refine(isPaymentMethodToken, 'a payment-method token from the payment provider (pm_...), never card data')
          .openapi({ pattern: PAYMENT_METHOD_PATTERN.source, example: 'pm_card_visa' }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('PlaceOrder');

/** Units of an order, each SKU once: what a shipment or a return names. */
const FulfilmentLinesSchema = z
  .array(z.object({ sku: SkuSchema, quantity: z.number().int().min(1).max(1000) }).strict())
  .min(1)
  .max(FULFILMENT_LIMITS.linesPerRequest)
  .refine((lines) => new Set(lines.map((line) => line.sku)).size === lines.length, 'each SKU may appear on one line only');

export const ShipRequestSchema = z
  .object({
    lines: FulfilmentLinesSchema.optional().openapi({ description: 'The units shipped; absent, every unit not shipped yet' }),
    carrier: Text(FULFILMENT_LIMITS.carrier, { min: 1 }),
    trackingNumber: Text(FULFILMENT_LIMITS.trackingNumber, { min: 1 }),
  })
  .strict()
  .openapi('ShipRequest');

export const ReturnRequestSchema = z
  .object({ lines: FulfilmentLinesSchema, reason: Text(FULFILMENT_LIMITS.returnReason, { min: 1 }) })
  .strict()
  .openapi('ReturnRequest');

export const ReturnReceiptSchema = z
  .object({ restock: z.boolean().openapi({ description: 'Whether the received units go back to available stock' }) })
  .strict()
  .openapi('ReturnReceipt');

export const NotificationSchema = z
  .object({
    kind: z.enum(EMAIL_KINDS),
    reference: z.string().nullable().openapi({ description: "The shipment, return or refund the email is about; null for the order's own emails" }),
    to: z.email(),
    status: z.enum(['PENDING', 'SENT']),
    messageId: z.string(),
    sentAt: Timestamp.nullable(),
  })
  .openapi('Notification');

/** Who caused a change: the order's customer, a member of staff (their token's subject), or the system (`id` names the mechanism). */
const ActorSchema = z
  .object({
    kind: z.enum(['customer', 'staff', 'system']),
    id: z.string().openapi({ description: "The customer's or staff member's subject; for the system, `order-workflow`, `payment` (a lapsing authorisation) or `temporal` (cancelled through Temporal)" }),
  })
  .openapi('Actor');

const Cents = z.number().int();
/** What each event type records (activities/order/timeline.contract.ts, OrderEventDetails). */
const ORDER_EVENT_DETAILS = {
  'order.placed': { lines: z.array(FulfilmentLineSchema) },
  'order.confirmed': { totalCents: Cents, currency: z.string() },
  'order.rejected': { reason: z.string() },
  'order.cancelled': { reason: z.string() },
  'order.shipped': { shipmentId: z.uuid(), lines: z.array(FulfilmentLineSchema), carrier: z.string(), trackingNumber: z.string() },
  'order.delivered': { shipmentId: z.uuid() },
  'order.return_requested': { returnId: z.uuid(), lines: z.array(FulfilmentLineSchema), reason: z.string() },
  'order.returned': { returnId: z.uuid(), restocked: z.boolean(), refundCents: Cents },
  'order.unshipped_cancelled': { lines: z.array(FulfilmentLineSchema), refundCents: Cents },
  'payment.captured': { amountCents: Cents, currency: z.string() },
  'payment.refunded': { refundId: z.string().openapi({ description: 'The return\'s ID, or `unshipped` for units that never shipped' }), amountCents: Cents, currency: z.string() },
} as const satisfies Record<OrderEventType, z.ZodRawShape>;

/** One event type's entry, named for the document (`order.return_requested` is OrderReturnRequestedEvent). */
function orderEventOf<T extends OrderEventType>(type: T) {
  const name = `${type.split(/[._]/).map((word) => word[0]!.toUpperCase() + word.slice(1)).join('')}Event`;
  return z
    .object({
      eventId: z.uuid().openapi({ description: 'Unique and stable: also the `webhook-id` of the webhook that delivers it' }),
      type: z.literal(type),
      at: Timestamp,
      actor: ActorSchema,
      status: OrderStatusSchema.openapi({ description: "The order's status right after the change" }),
      details: z.object(ORDER_EVENT_DETAILS[type]),
    })
    .openapi(name);
}

/** An entry of an order's timeline: `details` as its `type` says. */
export const OrderEventSchema = z
  .discriminatedUnion('type', [
    orderEventOf('order.placed'),
    orderEventOf('order.confirmed'),
    orderEventOf('order.rejected'),
    orderEventOf('order.cancelled'),
    orderEventOf('order.shipped'),
    orderEventOf('order.delivered'),
    orderEventOf('order.return_requested'),
    orderEventOf('order.returned'),
    orderEventOf('order.unshipped_cancelled'),
    orderEventOf('payment.captured'),
    orderEventOf('payment.refunded'),
  ])
  .openapi('OrderEvent');

const ProductName = Text(200, { min: 1 });
const ProductDescription = Text(4_000, { multiline: true });
const PriceCents = z.number().int().min(0).max(MAX_PRICE_CENTS);

export const CreateProductSchema = z
  .object({
    sku: SkuSchema,
    name: ProductName,
    description: ProductDescription.optional(),
    priceCents: PriceCents,
    currency: CurrencySchema.default('EUR'),
    initialStock: z.number().int().min(0).max(1_000_000),
  })
  .strict()
  .openapi('CreateProduct');

export const UpdateProductSchema = z
  .object({ name: ProductName, description: ProductDescription, priceCents: PriceCents, active: z.boolean() })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'at least one of name, description, priceCents, active')
  .openapi('UpdateProduct', { minProperties: 1 });

export const AdjustmentSchema = z
  .object({
    delta: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((delta) => delta !== 0, 'must not be 0: positive restocks, negative writes off')
      .openapi({ not: { const: 0 }, description: 'Units added (restock) or removed (write-off); never 0' }),
    reason: Text(500, { min: 3 }),
  })
  .strict()
  .openapi('StockAdjustment');

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces');

export const IdempotencyKeyHeader = IdempotencyKey.optional().openapi({
  param: { description: 'Makes a retry safe: the same key with the same body is the same operation, applied once; with another body, 409' },
});

/** For an operation that must never happen twice by accident: without a key, 400. */
export const RequiredIdempotencyKeyHeader = IdempotencyKey.openapi({
  param: { description: 'Required. Names the operation: the same key with the same body is the same operation, applied once; with another body, 409' },
});

/**
 * A webhook receiver's URL: http(s) (lower case, as stored), no user name or password, no white
 * space or control character, not port 0, at most WEBHOOK_LIMITS.urlLength characters. Where its host resolves is the notification
 * service's check (WEBHOOK_TARGET_REFUSED, a 400 too).
 */
const WEBHOOK_URL_PATTERN = '^https?://[^/?#@\\s]+([/?#]\\S*)?$';
const WebhookUrl = z
  .string()
  .max(WEBHOOK_LIMITS.urlLength)
  .regex(new RegExp(WEBHOOK_URL_PATTERN), 'an http(s) URL without a user name, password or white space')
  .superRefine((url, context) => {
    const problem = webhookUrlProblem(url);
    if (problem) context.addIssue({ code: 'custom', message: `the URL is ${problem}` });
  })
  .openapi({ format: 'uri', pattern: WEBHOOK_URL_PATTERN, example: 'https://hooks.example.com/orderflow' });

const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

const WebhookEvents = z
  .array(WebhookEventTypeSchema)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, 'each event type once')
  .openapi({ uniqueItems: true, description: 'The event types delivered to it, each once' });

const WebhookDescription = Text(WEBHOOK_LIMITS.descriptionLength);

export const CreateWebhookSchema = z
  .object({
    url: WebhookUrl,
    events: WebhookEvents,
    enabled: z.boolean().optional().openapi({ description: 'Whether events are delivered to it (default true)' }),
    description: WebhookDescription.optional(),
  })
  .strict()
  .openapi('CreateWebhook');

export const UpdateWebhookSchema = z
  .object({ url: WebhookUrl, events: WebhookEvents, enabled: z.boolean(), description: WebhookDescription.nullable().openapi({ description: 'null clears it' }) })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, 'at least one of url, events, enabled, description')
  .openapi('UpdateWebhook', { minProperties: 1 });

export const WebhookSubscriptionSchema = z
  .object({
    subscriptionId: z.uuid(),
    url: z.string(),
    events: z.array(WebhookEventTypeSchema),
    enabled: z.boolean(),
    description: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('WebhookSubscription');

export const CreatedWebhookSubscriptionSchema = WebhookSubscriptionSchema.extend({
  secret: z.string().openapi({ description: 'The signing secret (Standard Webhooks, `whsec_...`): shown here once, never again', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
}).openapi('CreatedWebhookSubscription');

const WebhookAttemptSchema = z.object({
  attempt: z.number().int(),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  statusCode: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null without an answer (refused, timed out, cut off)" }),
  latencyMs: z.number().int().nullable(),
  responseExcerpt: z.string().nullable().openapi({ description: `The start of the receiver's answer (up to ${WEBHOOK_LIMITS.responseExcerpt} characters)` }),
  error: z.string().nullable(),
});

export const WebhookDeliverySchema = z
  .object({
    deliveryId: z.uuid(),
    subscriptionId: z.uuid(),
    eventId: z.string().openapi({ description: 'The order event delivered: also the `webhook-id` header, the same at every attempt' }),
    eventType: WebhookEventTypeSchema,
    orderId: z.uuid(),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    failure: z.string().nullable().openapi({ description: 'Why it failed for good (FAILED only)' }),
    createdAt: Timestamp,
    attempts: z.array(WebhookAttemptSchema).openapi({ description: 'Every HTTP attempt, oldest first' }),
  })
  .openapi('WebhookDelivery');
