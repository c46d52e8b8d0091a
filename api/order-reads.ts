import type { Client } from '@temporalio/client';
import { findOrder } from '../activities/order/repository.js';
import type { OrderDb } from '../activities/order/schema.js';
import type { OrderView } from '../activities/order/types.js';
import { orderFromWorkflow } from './order-workflows.js';

/**
 * An order, read without any worker: the order service's record or, for an order accepted but not
 * recorded yet (the order worker busy or down), what Temporal itself holds of it. Only a PostgreSQL
 * or a Temporal that is really out of reach makes a read fail (503).
 */
export async function readOrder(db: OrderDb, temporal: Client, orderId: string): Promise<OrderView | undefined> {
  return (await findOrder(db, orderId)) ?? (await orderFromWorkflow(temporal, orderId));
}

/**
 * For `Prefer: wait=N`: watches the order service's record until the order has left PENDING or N
 * seconds have passed, then answers with the order as it stands. A decision is recorded before
 * anything else hears of it, so the record is the place to watch; no worker is asked.
 */
export async function waitUntilDecided(db: OrderDb, temporal: Client, orderId: string, seconds: number): Promise<OrderView | undefined> {
  const deadline = Date.now() + seconds * 1000;
  let pause = 50;
  for (;;) {
    const recorded = await findOrder(db, orderId);
    const left = deadline - Date.now();
    if ((recorded && recorded.status !== 'PENDING') || left <= 0) return recorded ?? (await orderFromWorkflow(temporal, orderId));
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, 500);
  }
}
