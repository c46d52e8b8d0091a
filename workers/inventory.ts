import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createInventoryActivities } from '../activities/inventory/activities.js';
import { createInventoryMetrics } from '../activities/inventory/metrics.js';
import type { InventoryDatabase } from '../activities/inventory/schema.js';
import { runServiceWorker } from './bootstrap.js';

runServiceWorker<InventoryDatabase>('inventory', ({ db, log, registry }) => ({ activities: createInventoryActivities({ db, log, metrics: createInventoryMetrics(registry) }) }));
