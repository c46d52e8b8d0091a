import type { Outcome } from '../../common/outcome.js';

/**
 * The payment service's contract: an order's money, through a payment provider (sandbox or Stripe).
 * Authorise, capture, void and refund each happen once per (order, step): every provider call carries
 * an idempotency key made by `paymentIdempotencyKey`, so a retried or re-run activity never charges
 * twice. Pure: workflow code imports it.
 */
export const PAYMENT_TASK_QUEUE = 'payment';

export const PAYMENT_PROVIDERS = ['sandbox', 'stripe'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

export const PAYMENT_FAILURE = {
  /** The provider declined the payment method (a business outcome: the order is rejected). */
  declined: 'PAYMENT_DECLINED',
  /** Capture of an authorisation the provider no longer holds (Stripe: 7 days after it was made). */
  authorisationExpired: 'AUTHORISATION_EXPIRED',
  /** The provider refused a request no retry can change (bad amount, unknown payment): a fault, non-retryable. */
  providerRefused: 'PAYMENT_PROVIDER_REFUSED',
  /** A capture, void or refund of an order with no authorisation on record: a saga bug. */
  notAuthorised: 'PAYMENT_NOT_AUTHORISED',
} as const;

/** Why an authorisation is refused: each one rejects the order. */
export const AUTHORISATION_REFUSALS = [PAYMENT_FAILURE.declined] as const;
export type AuthorisationRefusal = (typeof AUTHORISATION_REFUSALS)[number];

/** Why a capture is refused: the workflow decides what follows (see workflows/place-order.ts). */
export const CAPTURE_REFUSALS = [PAYMENT_FAILURE.authorisationExpired] as const;
export type CaptureRefusal = (typeof CAPTURE_REFUSALS)[number];

export const PAYMENT_STATUSES = ['AUTHORISED', 'DECLINED', 'VOIDED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The steps that call the provider; each is done once per order (refunds once per refund ID). */
export type PaymentStep = 'authorise' | 'capture' | 'void' | { refund: string };

/**
 * The idempotency key of one step of one order's payment: the provider answers a repeated call
 * with the first call's result instead of doing it again.
 */
export function paymentIdempotencyKey(orderId: string, step: PaymentStep): string {
  return typeof step === 'string' ? `orderflow:${orderId}:${step}` : `orderflow:${orderId}:refund:${step.refund}`;
}

/**
 * A provider payment-method token (Stripe's `pm_...`, which the sandbox honours too), never card
 * data. The API checks it with this rule before an order is placed.
 */
export const PAYMENT_METHOD_PATTERN = /^pm_[A-Za-z0-9_]{1,200}$/;
export const isPaymentMethodToken = (method: string) => PAYMENT_METHOD_PATTERN.test(method);

/** Stripe's test payment methods, which the sandbox provider honours the same way. */
export const TEST_PAYMENT_METHODS = {
  succeeds: 'pm_card_visa',
  declined: 'pm_card_chargeDeclined',
  insufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
} as const;

/** What an order pays with, as the client sent it. */
export interface PaymentRequest {
  method: string;
}

export interface Authorisation {
  /** The provider's ID of the authorisation (a Stripe PaymentIntent, a sandbox authorisation). */
  authorisationId: string;
  amountCents: number;
  currency: string;
  /** When the provider stops holding the funds; the authorisation must be captured before then. */
  expiresAt: string;
}

/** What a capture, void or refund call found or did: replays report the state they found. */
export interface PaymentOutcome {
  changed: boolean;
  status: PaymentStatus | 'NONE';
}

/** A payment as the API answers it (the payment service's read port). */
export interface PaymentView {
  orderId: string;
  provider: PaymentProviderName;
  status: PaymentStatus;
  amountCents: number;
  currency: string;
  capturedCents: number;
  refundedCents: number;
  declineCode: string | null;
  authorisedAt: string | null;
  expiresAt: string | null;
}

/** What the payment worker does for workflows (task queue `payment`). */
export interface PaymentActivities {
  /** Holds the amount on the payment method; a decline is returned. Idempotent per order. */
  authorisePayment(input: { orderId: string; amountCents: number; currency: string; method: string }): Promise<Outcome<Authorisation, AuthorisationRefusal>>;
  /** Takes the authorised amount (at most); idempotent per order. An expired authorisation is returned. */
  capturePayment(input: { orderId: string; amountCents: number }): Promise<Outcome<PaymentOutcome, CaptureRefusal>>;
  /** Releases an authorisation not captured; idempotent, and a no-op for an order never authorised. */
  voidPayment(input: { orderId: string; reason: string }): Promise<PaymentOutcome>;
  /** Gives back part or all of a captured payment; idempotent per refund ID. */
  refundPayment(input: { orderId: string; refundId: string; amountCents: number; reason: string }): Promise<PaymentOutcome>;
}

/**
 * When an order's authorisation must be captured by, at the latest: ahead of the provider's own
 * expiry by a tenth of the hold, at most 12 hours (Stripe's 7 days: 12 hours before). An order not
 * shipped by then is cancelled and its authorisation voided (docs/payments.md): capturing early
 * would charge for what has not shipped, and a fresh authorisation would need the customer again.
 */
export function captureDeadline(authorisedAt: Date, authorisation: Pick<Authorisation, 'expiresAt'>): Date {
  const expiresAt = new Date(authorisation.expiresAt).getTime();
  const margin = Math.min(12 * 3_600_000, Math.max(0, expiresAt - authorisedAt.getTime()) / 10);
  return new Date(expiresAt - margin);
}
