import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createPaymentActivities } from '../activities/payment/activities.js';
import { createPaymentMetrics } from '../activities/payment/metrics.js';
import { createPaymentProvider } from '../activities/payment/providers/index.js';
import type { PaymentDatabase } from '../activities/payment/schema.js';
import { paymentDevelopmentSettings, paymentEnv } from '../common/config.js';
import { runServiceWorker } from './bootstrap.js';

runServiceWorker<PaymentDatabase, typeof paymentEnv>(
  'payment',
  ({ db, log, config: payment, registry }) => {
    const provider = createPaymentProvider(payment);
    // Which provider, and where: never its key.
    log.info({ provider: provider.name, url: provider.name === 'sandbox' ? payment.PAYMENT_SANDBOX_URL : (payment.STRIPE_API_URL ?? 'https://api.stripe.com') }, 'payment provider');
    return { activities: createPaymentActivities({ db, log, provider, metrics: createPaymentMetrics(registry) }) };
  },
  { env: paymentEnv, developmentSettings: paymentDevelopmentSettings },
);
