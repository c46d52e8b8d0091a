import { describe, expect, it } from 'vitest';
import { paymentEnv } from '../../../common/config.js';
import { createPaymentProvider } from './index.js';

describe('createPaymentProvider, the adapter PAYMENT_PROVIDER names', () => {
  it('is the sandbox by default', () => {
    expect(createPaymentProvider(paymentEnv.parse({})).name).toBe('sandbox');
  });

  it('is Stripe with its key', () => {
    expect(createPaymentProvider(paymentEnv.parse({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_abc' })).name).toBe('stripe');
  });
});
