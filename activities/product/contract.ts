import type { Outcome } from '../../common/outcome.js';

/**
 * The product service's contract: what the catalog's workers, the workflows and the API agree on.
 * Pure: workflow code imports it.
 */
export const PRODUCT_TASK_QUEUE = 'product';

/** A SKU: 2-64 upper-case letters, digits or dashes. */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,63}$/;

/** A product's price, in minor units (1,000,000.00). Prices live in PostgreSQL `integer` columns. */
export const MAX_PRICE_CENTS = 100_000_000;

/** One order's total, in minor units (10,000,000.00): refused before any stock is reserved. */
export const MAX_ORDER_TOTAL_CENTS = 1_000_000_000;

export const PRODUCT_FAILURE = {
  unknownProduct: 'UNKNOWN_PRODUCT',
  inactiveProduct: 'INACTIVE_PRODUCT',
  mixedCurrency: 'MIXED_CURRENCY',
  /** The order's total would exceed MAX_ORDER_TOTAL_CENTS. */
  orderTooLarge: 'ORDER_TOO_LARGE',
  productExists: 'PRODUCT_EXISTS',
  notFound: 'NOT_FOUND',
} as const;

/** Why pricing refuses an order: each one rejects the order. */
export const PRICING_REJECTIONS = [PRODUCT_FAILURE.unknownProduct, PRODUCT_FAILURE.inactiveProduct, PRODUCT_FAILURE.mixedCurrency, PRODUCT_FAILURE.orderTooLarge] as const;
export type PricingRejection = (typeof PRICING_REJECTIONS)[number];

/** Why a catalog write is refused: a result of the admin workflow, never a failure. */
export type CatalogRefusal = typeof PRODUCT_FAILURE.productExists | typeof PRODUCT_FAILURE.notFound;

export interface Product {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  sku: string;
  name: string;
  description?: string;
  priceCents: number;
  currency: string;
}

export interface ProductChanges {
  name?: string;
  description?: string;
  priceCents?: number;
  active?: boolean;
}

export interface ProductListQuery {
  /** Part of the name or SKU. */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

/** Names and prices as they stood when the order was priced: the order keeps this snapshot. */
export interface PricedOrder {
  lines: PricedLine[];
  totalCents: number;
  currency: string;
}

export type Pricing = Outcome<PricedOrder, PricingRejection>;

/** What the product worker does for workflows (task queue `product`). */
export interface ProductActivities {
  /** Snapshots every line's name and price; unknown or inactive products, mixed currencies or a total too large reject the order. */
  priceOrder(lines: OrderLine[]): Promise<Pricing>;
  /** Refuses (PRODUCT_EXISTS) a SKU that is taken; creation asks before it touches stock. */
  checkSkuAvailable(input: { sku: string }): Promise<Outcome<null, typeof PRODUCT_FAILURE.productExists>>;
  createProduct(product: NewProduct): Promise<Product>;
  updateProduct(input: { sku: string; changes: ProductChanges }): Promise<Outcome<Product, typeof PRODUCT_FAILURE.notFound>>;
}

/** What pricing needs to know of a product. */
export type PriceListEntry = Pick<Product, 'name' | 'priceCents' | 'currency' | 'active'>;

/**
 * The pricing rule, used by the product worker on the products it reads and by the API on
 * today's prices to refuse an oversized order before anything starts.
 */
export function priceLines(lines: readonly OrderLine[], products: ReadonlyMap<string, PriceListEntry>): Pricing {
  const priced: Array<PricedLine & { currency: string }> = [];
  for (const line of lines) {
    const product = products.get(line.sku);
    if (!product) return { ok: false, reason: PRODUCT_FAILURE.unknownProduct, message: `Unknown product ${line.sku}` };
    if (!product.active) return { ok: false, reason: PRODUCT_FAILURE.inactiveProduct, message: `Product ${line.sku} is not for sale` };
    priced.push({ ...line, name: product.name, unitPriceCents: product.priceCents, lineTotalCents: product.priceCents * line.quantity, currency: product.currency });
  }
  const currencies = [...new Set(priced.map((line) => line.currency))];
  if (currencies.length > 1) return { ok: false, reason: PRODUCT_FAILURE.mixedCurrency, message: `Products in one order must share a currency (${currencies.join(', ')})` };
  const totalCents = priced.reduce((sum, line) => sum + line.lineTotalCents, 0);
  if (totalCents > MAX_ORDER_TOTAL_CENTS) return { ok: false, reason: PRODUCT_FAILURE.orderTooLarge, message: `The order total exceeds ${MAX_ORDER_TOTAL_CENTS} minor units` };
  return {
    ok: true,
    value: { lines: priced.map(({ currency: _currency, ...line }) => line), totalCents, currency: currencies[0] ?? 'USD' },
  };
}

/** Whether even the dearest possible products could take these lines past the order-total limit (else no read is needed). */
export const couldExceedOrderTotal = (lines: readonly OrderLine[]) => lines.reduce((items, line) => items + line.quantity, 0) * MAX_PRICE_CENTS > MAX_ORDER_TOTAL_CENTS;
