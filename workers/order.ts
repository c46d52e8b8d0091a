import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createOrderActivities } from '../activities/order/activities.js';
import { createOrderMetrics, registerOrderEventGauges, registerOrderGauges } from '../activities/order/metrics.js';
import type { OrderDatabase } from '../activities/order/schema.js';
import { runServiceWorker } from './bootstrap.js';

// Also hosts the workflows, from the bundle built by `npm run build:workflows`.
runServiceWorker<OrderDatabase>('order', ({ db, log, registry }) => {
  registerOrderGauges(registry, db);
  registerOrderEventGauges(registry, db);
  return { activities: createOrderActivities({ db, log, metrics: createOrderMetrics(registry) }) };
});
