/**
 * Types of the non-retryable ApplicationFailures activities raise for business outcomes.
 * The ones that reject an order double as the order's `reason`. Pure data: workflows import it.
 */
export const REJECTION_REASONS = ['UNKNOWN_PRODUCT', 'INACTIVE_PRODUCT', 'OUT_OF_STOCK', 'MIXED_CURRENCY'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const FAILURE = {
  unknownProduct: 'UNKNOWN_PRODUCT',
  inactiveProduct: 'INACTIVE_PRODUCT',
  outOfStock: 'OUT_OF_STOCK',
  mixedCurrency: 'MIXED_CURRENCY',
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
