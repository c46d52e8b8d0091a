import { INVENTORY_TASK_QUEUE } from '../activities/inventory/contract.js';
import { NOTIFICATION_TASK_QUEUE } from '../activities/notification/contract.js';
import { ORDER_TASK_QUEUE } from '../activities/order/contract.js';
import { PAYMENT_TASK_QUEUE } from '../activities/payment/contract.js';
import { PRODUCT_TASK_QUEUE } from '../activities/product/contract.js';
import type { ServiceName } from '../common/config.js';

/** One task queue per service (named in its contract); every replica of a service's worker polls the same one. */
export const TASK_QUEUES = {
  product: PRODUCT_TASK_QUEUE,
  inventory: INVENTORY_TASK_QUEUE,
  order: ORDER_TASK_QUEUE,
  notification: NOTIFICATION_TASK_QUEUE,
  payment: PAYMENT_TASK_QUEUE,
} as const satisfies Record<ServiceName, string>;
