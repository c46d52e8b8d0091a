import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { ProviderRefusal } from '../provider.js';
import { authorisationExpiry, declineOf, isAlreadyCanceled, providerFailure } from './stripe.js';

// What stripe-mock cannot show (it declines nothing and lets no hold lapse), from the errors the
// stripe package itself raises for Stripe's answers.
const { StripeCardError, StripeInvalidRequestError, StripeIdempotencyError, StripeAuthenticationError, StripePermissionError, StripeConnectionError, StripeAPIError, StripeRateLimitError } =
  Stripe.errors;

const canceledIntent = { id: 'pi_1', status: 'canceled' } as Stripe.PaymentIntent;
const captureOfCanceled = () =>
  new StripeInvalidRequestError({
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: 'This PaymentIntent could not be captured because it has a status of canceled.',
    payment_intent: canceledIntent,
  });

describe('a Stripe decline', () => {
  it("is an authorisation's refusal with the issuer's reason", () => {
    const error = new StripeCardError({ type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    expect(declineOf(error)).toEqual({ ok: false, declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' });
  });

  it("is Stripe's code when the issuer gives no reason (3-D Secure asked for, no one to pass it)", () => {
    const error = new StripeCardError({ type: 'card_error', code: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' });
    expect(declineOf(error)).toMatchObject({ ok: false, declineCode: 'authentication_required' });
  });

  it('is not read into any other error', () => {
    expect(declineOf(new StripeInvalidRequestError({ type: 'invalid_request_error', message: 'No such payment_method' }))).toBeUndefined();
    expect(declineOf(new StripeConnectionError({ message: 'socket hang up' }))).toBeUndefined();
  });
});

describe("Stripe's errors as the port's", () => {
  it('marks a capture refused because the hold lapsed (its PaymentIntent canceled) as expired', () => {
    const failure = providerFailure(captureOfCanceled(), 'capture');
    expect(failure).toBeInstanceOf(ProviderRefusal);
    expect(failure).toMatchObject({ code: 'payment_intent_unexpected_state', expired: true });
  });

  it("marks a capture of a charge past its capture window (charge_expired_for_capture) as expired", () => {
    const error = new StripeInvalidRequestError({ type: 'invalid_request_error', code: 'charge_expired_for_capture', message: 'This charge has expired for capture.' });
    expect(providerFailure(error, 'capture')).toMatchObject({ code: 'charge_expired_for_capture', expired: true });
  });

  it('marks no other step expired, nor a capture refused in another state', () => {
    expect(providerFailure(captureOfCanceled(), 'refund')).toMatchObject({ expired: false });
    const succeeded = new StripeInvalidRequestError({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: 'This PaymentIntent could not be captured because it has a status of succeeded.',
      payment_intent: { id: 'pi_1', status: 'succeeded' } as Stripe.PaymentIntent,
    });
    expect(providerFailure(succeeded, 'capture')).toMatchObject({ code: 'payment_intent_unexpected_state', expired: false });
  });

  it('refuses for good what no retry changes: invalid requests, a key reused with other parameters, a bad or restricted API key, a card error after authorisation', () => {
    const refusals = [
      [new StripeInvalidRequestError({ type: 'invalid_request_error', code: 'amount_too_small', message: 'Amount must be at least €0.50 eur' }), 'amount_too_small'],
      [new StripeIdempotencyError({ type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' }), 'idempotency_error'],
      [new StripeAuthenticationError({ type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***' }), 'invalid_request_error'],
      [new StripePermissionError({ type: 'invalid_request_error', message: 'The provided key does not have the required permissions.' }), 'invalid_request_error'],
      [new StripeCardError({ type: 'card_error', code: 'card_declined', message: 'Your card was declined.' }), 'card_declined'],
    ] as const;
    for (const [error, code] of refusals) {
      const failure = providerFailure(error, 'refund');
      expect(failure).toBeInstanceOf(ProviderRefusal);
      expect(failure).toMatchObject({ code, expired: false, message: `Stripe refused the refund: ${error.message}` });
    }
  });

  it('leaves no answer, a timeout, a 5xx or a 429 an ordinary Error, for the activity to retry with the same key', () => {
    const passing = [
      new StripeConnectionError({ message: 'Request aborted due to timeout being reached (10000ms)' }),
      new StripeAPIError({ type: 'api_error', message: 'An unknown error occurred' }),
      new StripeRateLimitError({ type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' }),
    ];
    for (const error of passing) {
      const failure = providerFailure(error, 'capture');
      expect(failure).not.toBeInstanceOf(ProviderRefusal);
      expect(failure).toMatchObject({ message: `Stripe capture did not complete: ${error.message}`, cause: error });
    }
  });
});

describe('a void', () => {
  it('is done when Stripe finds the PaymentIntent canceled already (its hold lapsed): the funds are released', () => {
    expect(isAlreadyCanceled(captureOfCanceled())).toBe(true);
  });

  it('is not done when Stripe refuses it for another reason', () => {
    const captured = new StripeInvalidRequestError({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: 'You cannot cancel this PaymentIntent because it has a status of succeeded.',
      payment_intent: { id: 'pi_1', status: 'succeeded' } as Stripe.PaymentIntent,
    });
    expect(isAlreadyCanceled(captured)).toBe(false);
    expect(isAlreadyCanceled(new StripeConnectionError({ message: 'socket hang up' }))).toBe(false);
  });
});

describe("an authorisation's expiry", () => {
  const created = Date.parse('2026-12-07T10:00:00Z') / 1000;

  it("is the charge's capture_before when Stripe gives it", () => {
    const captureBefore = Date.parse('2026-12-30T10:00:00Z') / 1000;
    const intent = { created, latest_charge: { payment_method_details: { card: { capture_before: captureBefore } } } } as Stripe.PaymentIntent;
    expect(authorisationExpiry(intent)).toBe('2026-12-30T10:00:00.000Z');
  });

  it("is 7 days after the PaymentIntent was made, Stripe's hold on card payments, when the charge does not say", () => {
    const withoutCaptureBefore = { created, latest_charge: { payment_method_details: { card: {} } } } as Stripe.PaymentIntent;
    expect(authorisationExpiry(withoutCaptureBefore)).toBe('2026-12-14T10:00:00.000Z');
    expect(authorisationExpiry({ created, latest_charge: 'ch_1' } as Stripe.PaymentIntent)).toBe('2026-12-14T10:00:00.000Z');
  });
});
