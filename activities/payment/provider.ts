import type { Authorisation, PaymentProviderName } from './contract.js';

/**
 * The port every payment provider adapter implements (providers/sandbox.ts, providers/stripe.ts).
 * Each call carries the idempotency key of its step: the provider answers a repeated call with
 * the first call's result. A network fault, a timeout or a provider's 5xx/429 throws an ordinary
 * Error (the activity retries it); a request the provider refuses for good throws ProviderRefusal.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  authorise(request: AuthoriseRequest): Promise<AuthoriseResult>;
  capture(request: { authorisationId: string; amountCents: number; idempotencyKey: string }): Promise<{ captureId: string }>;
  void(request: { authorisationId: string; idempotencyKey: string }): Promise<void>;
  refund(request: { authorisationId: string; amountCents: number; idempotencyKey: string }): Promise<{ refundId: string }>;
}

export interface AuthoriseRequest {
  /** The order the money is for, shown to the provider's operators (metadata, description). */
  orderId: string;
  amountCents: number;
  currency: string;
  /** The client's payment-method token (`pm_...`). */
  method: string;
  idempotencyKey: string;
}

export type AuthoriseResult = ({ ok: true } & Authorisation) | { ok: false; declineCode: string; message: string };

/**
 * A request the provider refuses for good (an invalid amount, an unknown authorisation, a capture
 * of an expired one): retrying cannot change it. `code` is the provider's; `expired` marks an
 * authorisation the provider no longer holds.
 */
export class ProviderRefusal extends Error {
  override name = 'ProviderRefusal';
  constructor(
    readonly code: string,
    message: string,
    readonly expired = false,
  ) {
    super(message);
  }
}
