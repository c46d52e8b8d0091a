import { describe, expect, it } from 'vitest';
import { isPaymentMethodToken, paymentIdempotencyKey, TEST_PAYMENT_METHODS } from './contract.js';

describe('paymentIdempotencyKey, one key per (order, step)', () => {
  const orderId = '0b7c2f4e-9a51-4d38-8f0e-6c1d2e3f4a5b';

  it('names the order and the step, the same on every call', () => {
    expect(paymentIdempotencyKey(orderId, 'authorise')).toBe(`orderflow:${orderId}:authorise`);
    expect(paymentIdempotencyKey(orderId, 'capture')).toBe(`orderflow:${orderId}:capture`);
    expect(paymentIdempotencyKey(orderId, { refund: 'r1' })).toBe(`orderflow:${orderId}:refund:r1`);
    expect(paymentIdempotencyKey(orderId, 'void')).toBe(paymentIdempotencyKey(orderId, 'void'));
  });

  it('never gives two steps, two refunds or two orders the same key', () => {
    const other = '1c8d3a5f-0b62-4e49-9a1f-7d2e3f4a5b6c';
    const keys = [
      ...(['authorise', 'capture', 'void'] as const).map((step) => paymentIdempotencyKey(orderId, step)),
      paymentIdempotencyKey(orderId, { refund: 'r1' }),
      paymentIdempotencyKey(orderId, { refund: 'r2' }),
      // A refund whose ID is a step's name is still a refund.
      paymentIdempotencyKey(orderId, { refund: 'capture' }),
      paymentIdempotencyKey(other, 'authorise'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("stays within Stripe's 255 characters for a UUID order and a refund ID of 200", () => {
    expect(paymentIdempotencyKey(orderId, { refund: 'r'.repeat(200) }).length).toBeLessThanOrEqual(255);
  });
});

describe('isPaymentMethodToken, the only form a payment method is taken in', () => {
  it("takes a provider's token", () => {
    for (const method of Object.values(TEST_PAYMENT_METHODS)) expect(isPaymentMethodToken(method)).toBe(true);
    expect(isPaymentMethodToken(`pm_${'a'.repeat(200)}`)).toBe(true);
  });

  it('refuses card data and anything else', () => {
    for (const method of ['4242424242424242', 'pm_', 'PM_card_visa', 'pm_card visa', 'pm_card_visa\n', 'tok_visa', ` pm_card_visa`, `pm_${'a'.repeat(201)}`, 'pm_card-visa']) {
      expect(isPaymentMethodToken(method), method).toBe(false);
    }
  });
});
