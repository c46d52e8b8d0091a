import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createProductActivities } from '../activities/product/activities.js';
import type { ProductDatabase } from '../activities/product/schema.js';
import { runServiceWorker } from './bootstrap.js';

runServiceWorker<ProductDatabase>('product', ({ db, log }) => ({ activities: createProductActivities({ db, log }) }));
