import type { Client } from '@temporalio/client';
import { findOrder } from '../activities/order/repository.js';
import type { OrderDb } from '../activities/order/schema.js';
import type { OrderView } from '../activities/order/types.js';
import { orderFromWorkflow, workflowOrderStatus } from './order-workflows.js';

/**
 * An order, read without any worker: the order service's record or, for an order accepted but not
 * recorded yet (the order worker busy or down), what Temporal itself holds of it. Only a PostgreSQL
 * or a Temporal that is really out of reach makes a read fail (503).
 */
export async function readOrder(db: OrderDb, temporal: Client, orderId: string): Promise<OrderView | undefined> {
  return (await findOrder(db, orderId)) ?? (await orderFromWorkflow(temporal, orderId));
}

/**
 * For `Prefer: wait=N`: watches the workflow's OrderStatus (describe(), answered by the Temporal
 * server alone) until the saga has decided the order, stock committed or released, or N seconds
 * have passed; then answers with the order as it stands.
 */
export async function waitUntilDecided(db: OrderDb, temporal: Client, orderId: string, seconds: number): Promise<OrderView | undefined> {
  const deadline = Date.now() + seconds * 1000;
  let pause = 50;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || (await workflowOrderStatus(temporal, orderId)) !== 'PENDING') return readOrder(db, temporal, orderId);
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, 500);
  }
}
