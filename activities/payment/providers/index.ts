import type { PaymentConfig } from '../../../common/config.js';
import type { PaymentProvider } from '../provider.js';
import { createSandboxProvider } from './sandbox.js';
import { createStripeProvider } from './stripe.js';

/** The provider PAYMENT_PROVIDER names: the sandbox (development, tests) or Stripe. */
export function createPaymentProvider(config: PaymentConfig): PaymentProvider {
  const timeoutMs = config.PAYMENT_PROVIDER_TIMEOUT_MS;
  if (config.PAYMENT_PROVIDER === 'sandbox') return createSandboxProvider({ url: config.PAYMENT_SANDBOX_URL, timeoutMs });
  // paymentEnv refuses PAYMENT_PROVIDER=stripe without a key; this states it for the compiler.
  if (config.STRIPE_SECRET_KEY === undefined) throw new Error('STRIPE_SECRET_KEY is required with PAYMENT_PROVIDER=stripe');
  return createStripeProvider({ secretKey: config.STRIPE_SECRET_KEY, ...(config.STRIPE_API_URL !== undefined && { apiUrl: config.STRIPE_API_URL }), timeoutMs });
}
