import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { orderWorkflowId, PLACE_ORDER, type PlaceOrderInput } from '../../workflows/place-order.contract.js';
import type { PlaceOrder } from '../../workflows/place-order.js';

/** A PlaceOrder input for workflow tests: a new order ID, Dana as the customer, a one-hour window unless given. */
export const placeOrderInput = (lines: PlaceOrderInput['lines'], overrides: Partial<PlaceOrderInput> = {}): PlaceOrderInput => ({
  orderId: randomUUID(),
  customerId: 'dana',
  customerEmail: 'dana@example.com',
  lines,
  cancellationWindow: '1h',
  ...overrides,
});

/** Starts PlaceOrder as the API does: its task queue, its workflow ID rule. */
export const startPlaceOrder = (client: Client, input: PlaceOrderInput) =>
  client.workflow.start<typeof PlaceOrder>(PLACE_ORDER.workflowType, { taskQueue: PLACE_ORDER.taskQueue, workflowId: orderWorkflowId(input.orderId), args: [input] });
