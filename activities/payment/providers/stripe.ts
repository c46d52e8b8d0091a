import Stripe from 'stripe';
import { ProviderRefusal, type AuthoriseResult, type PaymentProvider } from '../provider.js';

const { StripeError, StripeCardError, StripeConnectionError, StripeAPIError, StripeRateLimitError } = Stripe.errors;

export interface StripeSettings {
  secretKey: string;
  /** Another API base URL than Stripe's (stripe-mock in tests). */
  apiUrl?: string;
  /** One call's bound; a slower call fails and the activity retries it with the same idempotency key. */
  timeoutMs: number;
}

export type StripeStep = 'authorise' | 'capture' | 'void' | 'refund';

/** How long Stripe holds an online card payment's funds when the charge does not say. */
const CARD_HOLD_MS = 7 * 24 * 60 * 60 * 1000;

/** The client the provider talks through; apart, so that the integration suite can listen to its responses. */
export function createStripeClient({ secretKey, apiUrl, timeoutMs }: StripeSettings): Stripe {
  const url = apiUrl === undefined ? undefined : new URL(apiUrl);
  return new Stripe(secretKey, {
    timeout: timeoutMs,
    // Temporal retries the activity with the same idempotency key: retries inside one attempt
    // would only stretch it past its timeout and hide the fault from the activity's history.
    // (A connection closed before any answer is still retried once, with the same key.)
    maxNetworkRetries: 0,
    ...(url && { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: url.port || (url.protocol === 'https:' ? 443 : 80) }),
  });
}

/** The payment port on Stripe: an authorisation is a PaymentIntent confirmed with manual capture. */
export const createStripeProvider = (settings: StripeSettings): PaymentProvider => stripeProvider(createStripeClient(settings));

export function stripeProvider(stripe: Stripe): PaymentProvider {
  return {
    name: 'stripe',

    async authorise({ orderId, amountCents, currency, method, idempotencyKey }): Promise<AuthoriseResult> {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: amountCents,
            currency: currency.toLowerCase(),
            payment_method: method,
            // Cards only (payment_method_types before API version 2026-10-28): they authorise at once,
            // and none redirects, so the server-side confirm below is complete.
            allowed_payment_method_types: ['card'],
            confirm: true,
            capture_method: 'manual',
            // No customer is there to pass 3-D Secure: a card that asks for it is declined
            // (authentication_required) instead of leaving the PaymentIntent waiting.
            error_on_requires_action: true,
            description: `Order ${orderId}`,
            metadata: { orderId },
            // Its charge says when the hold ends (capture_before).
            expand: ['latest_charge'],
          },
          { idempotencyKey },
        );
        return { ok: true, authorisationId: intent.id, amountCents: intent.amount, currency: intent.currency.toUpperCase(), expiresAt: authorisationExpiry(intent) };
      } catch (error) {
        const decline = declineOf(error);
        if (decline) return decline;
        throw providerFailure(error, 'authorise');
      }
    },

    async capture({ authorisationId, amountCents, idempotencyKey }) {
      try {
        const intent = await stripe.paymentIntents.capture(authorisationId, { amount_to_capture: amountCents }, { idempotencyKey });
        // The charge the capture took; a PaymentIntent captures once, so its own ID names the capture too.
        const charge = intent.latest_charge;
        return { captureId: (typeof charge === 'string' ? charge : charge?.id) ?? intent.id };
      } catch (error) {
        throw providerFailure(error, 'capture');
      }
    },

    async void({ authorisationId, idempotencyKey }) {
      try {
        await stripe.paymentIntents.cancel(authorisationId, {}, { idempotencyKey });
      } catch (error) {
        if (!isAlreadyCanceled(error)) throw providerFailure(error, 'void');
      }
    },

    async refund({ authorisationId, amountCents, idempotencyKey }) {
      try {
        const refund = await stripe.refunds.create({ payment_intent: authorisationId, amount: amountCents }, { idempotencyKey });
        return { refundId: refund.id };
      } catch (error) {
        throw providerFailure(error, 'refund');
      }
    },
  };
}

/**
 * When the authorisation must be captured by: the charge's `capture_before` when Stripe gives it
 * (extended authorisations, other networks' rules), else 7 days after the PaymentIntent was made,
 * Stripe's hold on online card payments.
 */
export function authorisationExpiry(intent: Stripe.PaymentIntent): string {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const captureBefore = charge?.payment_method_details?.card?.capture_before;
  return new Date(captureBefore === undefined ? intent.created * 1000 + CARD_HOLD_MS : captureBefore * 1000).toISOString();
}

/** A card error on authorisation is the issuer's (or Stripe's fraud checks') decline: a business outcome. */
export function declineOf(error: unknown): Extract<AuthoriseResult, { ok: false }> | undefined {
  if (!(error instanceof StripeCardError)) return undefined;
  // decline_code is the issuer's reason (generic_decline, insufficient_funds), '' when there is none;
  // code is Stripe's (card_declined, authentication_required).
  return { ok: false, declineCode: error.decline_code || error.code || 'card_declined', message: error.message };
}

/** Stripe cancels an uncaptured PaymentIntent when its hold lapses; it then refuses to act on it. */
const isCanceledIntent = (error: InstanceType<typeof StripeError>) => error.code === 'payment_intent_unexpected_state' && error.payment_intent?.status === 'canceled';

/** A void that finds the PaymentIntent canceled already (its hold lapsed): the funds are released, which is what a void is for. */
export function isAlreadyCanceled(error: unknown): boolean {
  return error instanceof StripeError && isCanceledIntent(error);
}

/**
 * What a Stripe error means to the port. No answer, a timeout, Stripe's 5xx (and 409, a request
 * with the same key still running) or a 429: an ordinary Error, for the activity to retry with the
 * same idempotency key. Any other refusal (an invalid request, a key reused with other parameters,
 * a bad or restricted API key): ProviderRefusal, which no retry changes. A capture refused because
 * the hold lapsed is marked expired.
 */
export function providerFailure(error: unknown, step: StripeStep): Error {
  if (!(error instanceof StripeError)) return error instanceof Error ? error : new Error(String(error));
  if (error instanceof StripeConnectionError || error instanceof StripeAPIError || error instanceof StripeRateLimitError) {
    return new Error(`Stripe ${step} did not complete: ${error.message}`, { cause: error });
  }
  const expired = step === 'capture' && (error.code === 'charge_expired_for_capture' || isCanceledIntent(error));
  return new ProviderRefusal(error.code ?? error.rawType ?? error.type, `Stripe refused the ${step}: ${error.message}`, expired);
}
