/**
 * Types of the non-retryable ApplicationFailures activities raise for business outcomes.
 * The ones that reject an order double as the order's `reason`. Pure data: workflows import it.
 */
export const REJECTION_REASONS = ['UNKNOWN_PRODUCT', 'INACTIVE_PRODUCT', 'OUT_OF_STOCK', 'MIXED_CURRENCY', 'ORDER_TOO_LARGE', 'INVALID_DATA'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const FAILURE = {
  unknownProduct: 'UNKNOWN_PRODUCT',
  inactiveProduct: 'INACTIVE_PRODUCT',
  outOfStock: 'OUT_OF_STOCK',
  mixedCurrency: 'MIXED_CURRENCY',
  /** The order's total would exceed MAX_ORDER_TOTAL_CENTS. */
  orderTooLarge: 'ORDER_TOO_LARGE',
  /**
   * PostgreSQL refused the data itself (SQLSTATE class 22, or a NOT NULL/CHECK violation): a
   * retry would fail the same way forever, so it is a non-retryable outcome, never an outage.
   */
  invalidData: 'INVALID_DATA',
  /** On-hand would exceed MAX_ON_HAND. */
  stockLimitExceeded: 'STOCK_LIMIT_EXCEEDED',
  /** The order is not in a state that allows the transition (e.g. confirm a rejected order). */
  invalidOrderState: 'INVALID_ORDER_STATE',
  productExists: 'PRODUCT_EXISTS',
  notFound: 'NOT_FOUND',
  insufficientStock: 'INSUFFICIENT_STOCK',
  /** A cancel that comes too late: the order is rejected, or its cancellation window has closed. */
  notCancellable: 'NOT_CANCELLABLE',
} as const satisfies Record<string, string>;

export function isRejectionReason(type: string | undefined | null): type is RejectionReason {
  return (REJECTION_REASONS as readonly (string | undefined | null)[]).includes(type);
}
