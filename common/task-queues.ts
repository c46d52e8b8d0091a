import type { ServiceName } from './config.js';

/** One task queue per service; every replica of a service's worker polls the same one. */
export const TASK_QUEUES = {
  product: 'product',
  inventory: 'inventory',
  order: 'order',
  notification: 'notification',
} as const satisfies Record<ServiceName, string>;
