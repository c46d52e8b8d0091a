import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createInventoryActivities } from '../activities/inventory/activities.js';
import type { InventoryDatabase } from '../activities/inventory/schema.js';
import { runServiceWorker } from './bootstrap.js';

runServiceWorker<InventoryDatabase>('inventory', ({ db, log, metrics }) => ({ activities: createInventoryActivities({ db, log, metrics }) }));
