/**
 * Limits of the domain that the API, the activities and the database agree on. Money and stock
 * live in PostgreSQL `integer` columns: every sum that is stored must stay below 2^31.
 */
export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,63}$/;

/** A product's price, in minor units (1,000,000.00). */
export const MAX_PRICE_CENTS = 100_000_000;

/** One order's total, in minor units (10,000,000.00): refused before any stock is reserved. */
export const MAX_ORDER_TOTAL_CENTS = 1_000_000_000;

/** Units on hand of one SKU. */
export const MAX_ON_HAND = 1_000_000_000;
