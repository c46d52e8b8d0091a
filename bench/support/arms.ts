import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { OrderLineInput } from '../../activities/order/contract.js';
import { TASK_QUEUES } from '../../workers/task-queues.js';
import { orderWorkflowId, type PlaceOrderInput } from '../../workflows/place-order.contract.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../../workflows/search-attributes.js';
import type { TestStack } from '../../test/support/stack.js';

export type ArmName = 'real' | 'twin' | 'twin-5' | 'baseline' | 'dead-webhook' | 'live-webhook';

export interface Started {
  workflowId: string;
  /** When the client sent it (epoch ms, the clock the server's event times use too). */
  sentAt: number;
  /** How long the client waited for the order to be accepted: POST /orders' 202, or workflow.start. */
  acceptMs: number;
}

/** One way of placing an order, and the client that reads its workflows back. */
export interface Arm {
  name: ArmName;
  description: string;
  client: Client;
  /** Makes what order `i` needs beforehand (tokens), so that nothing but the order runs in the burst. */
  prepare(count: number): Promise<void>;
  place(i: number, lines: OrderLineInput[]): Promise<Started>;
}

/**
 * The system: POST /orders over HTTP, as a customer (one per order), answered 202. With `payment`
 * every order carries that payment method (the saga then authorises it); without, none does.
 */
export function realArm(
  stack: TestStack,
  name: ArmName = 'real',
  description = 'the system: POST /orders through the API, the saga on the workers, PostgreSQL, SMTP',
  payment?: { method: string },
): Arm {
  let tokens: string[] = [];
  return {
    name,
    description,
    client: stack.client,
    async prepare(count) {
      tokens = await Promise.all(Array.from({ length: count }, (_, i) => stack.token(`bench-${i}`)));
    },
    async place(i, lines) {
      const sentAt = Date.now();
      const started = performance.now();
      const response = await stack.request('POST', '/orders', { token: tokens[i], body: { lines, ...(payment && { payment }) } });
      const acceptMs = performance.now() - started;
      if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(response.body)}`);
      return { workflowId: orderWorkflowId(response.body.orderId), sentAt, acceptMs };
    },
  };
}

/** A twin: a bare workflow.start of `workflowType` in the twin namespace, whose activities return at once. */
export function twinArm(name: ArmName, workflowType: string, client: Client, description: string): Arm {
  return {
    name,
    description,
    client,
    async prepare() {},
    async place(i, lines) {
      const orderId = randomUUID();
      const input: PlaceOrderInput = { orderId, customerId: `bench-${i}`, customerEmail: `bench-${i}@example.test`, lines, cancellationWindow: '1ms' };
      const sentAt = Date.now();
      const started = performance.now();
      await client.workflow.start(workflowType, {
        taskQueue: TASK_QUEUES.order,
        workflowId: orderWorkflowId(orderId),
        args: [input],
        typedSearchAttributes: [
          { key: CUSTOMER_ID, value: input.customerId },
          { key: ORDER_STATUS, value: 'PENDING' },
        ],
        staticSummary: `Order ${orderId}: ${lines.length} line(s) for customer ${input.customerId}`,
      });
      return { workflowId: orderWorkflowId(orderId), sentAt, acceptMs: performance.now() - started };
    },
  };
}
