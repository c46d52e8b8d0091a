import type { Kysely } from 'kysely';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Page } from '../../common/pagination.js';
import { orderWorkflowId, type OrderState, type PlaceOrderMemo } from '../../workflows/place-order.contract.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../../workflows/search-attributes.js';
import { unpricedLines, type OrderListQuery, type OrderStatus, type OrderSummary, type OrderView } from './contract.js';
import { findOrder } from './repository.js';
import { searchOrders } from './search.js';
import type { OrderDb } from './schema.js';
import type { OrderEvent } from './timeline.contract.js';
import { listOrderEvents } from './timeline.js';

/** Orders as the API reads them: the order service's table is the record. */
export interface OrderReads {
  /**
   * Where this order stands: the order service's record or, for an order accepted but not recorded
   * yet (the order worker busy or down), what Temporal itself holds of it. Undefined for no such order.
   */
  order(orderId: string): Promise<OrderView | undefined>;
  /** The order service's record alone: no call to Temporal. */
  record(orderId: string): Promise<OrderView | undefined>;
  /** For `Prefer: wait=N`: the order once the saga has decided it (stock committed or released), or as it stands after `seconds`. */
  orderOnceDecided(orderId: string, seconds: number): Promise<OrderView | undefined>;
  list(query: OrderListQuery): Promise<Page<OrderSummary>>;
  /** The order's timeline, oldest first, `limit` at a time (empty for an order with none, or none yet). */
  events(orderId: string, page: { limit: number; cursor?: string }): Promise<Page<OrderEvent>>;
}

/** Describing a workflow needs only the Temporal server; past this a read fails (503) rather than hang. */
const READ_DEADLINE_MS = 3_000;

/** The OrderStatus the workflow has set (PENDING from its start): a projection, kept current for operators. */
const statusOf = (description: WorkflowExecutionDescription) => (description.typedSearchAttributes.get(ORDER_STATUS) as OrderStatus | undefined) ?? 'PENDING';

/** An order the order service never recorded (it refused the order's data): the workflow's result says why. */
const viewOfResult = (state: OrderState): OrderView => ({
  orderId: state.orderId,
  customerId: state.customerId,
  status: state.status,
  lines: unpricedLines(state.lines),
  totalCents: null,
  currency: null,
  ...(state.reason && { reason: state.reason }),
  // Never recorded, so never shipped (nor cancelled as never shipping).
  cancelledLines: [],
  shipments: [],
  returns: [],
  createdAt: state.placedAt,
  updatedAt: state.placedAt,
});

/**
 * The record or, before there is one, the workflow: describe() is answered by the Temporal server
 * alone (no worker), from what the workflow was started with (lines in its memo, the customer in
 * its CustomerId search attribute, its start time) and the OrderStatus it has set since. Only a
 * PostgreSQL or a Temporal that is really out of reach makes a read fail.
 */
export function createOrderReads<DB>(connection: Kysely<DB>, temporal: Client): OrderReads {
  const db = connection as unknown as OrderDb;
  /** Temporal's calls of one read, within one deadline; undefined when there is no such workflow. */
  const fromTemporal = <T>(call: () => Promise<T>) =>
    temporal.withDeadline(Date.now() + READ_DEADLINE_MS, call).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  const describe = (orderId: string) => fromTemporal(() => temporal.workflow.getHandle(orderWorkflowId(orderId)).describe());

  async function fromWorkflow(orderId: string): Promise<OrderView | undefined> {
    const handle = temporal.workflow.getHandle(orderWorkflowId(orderId));
    const found = await fromTemporal(async () => {
      const description = await handle.describe();
      // Ended without a record (the order service refused the order's data): its result says why.
      return { description, result: description.status.name === 'COMPLETED' ? ((await handle.result()) as OrderState) : undefined };
    });
    if (!found) return undefined;
    const { description, result } = found;
    // Past PENDING, the record may have appeared since the first read: it is the answer then.
    if (result !== undefined || statusOf(description) !== 'PENDING') {
      const recorded = await findOrder(db, orderId);
      if (recorded) return recorded;
      if (result) return viewOfResult(result);
    }
    const lines = (description.memo as Partial<PlaceOrderMemo> | undefined)?.lines ?? [];
    const startedAt = description.startTime.toISOString();
    return {
      orderId,
      customerId: description.typedSearchAttributes.get(CUSTOMER_ID) ?? '',
      status: statusOf(description),
      lines: unpricedLines(lines),
      totalCents: null,
      currency: null,
      cancelledLines: [],
      shipments: [],
      returns: [],
      createdAt: startedAt,
      updatedAt: startedAt,
    };
  }

  const order = async (orderId: string) => (await findOrder(db, orderId)) ?? (await fromWorkflow(orderId));

  return {
    order,
    record: (orderId) => findOrder(db, orderId),
    async orderOnceDecided(orderId, seconds) {
      const deadline = Date.now() + seconds * 1000;
      let pause = 50;
      for (;;) {
        const left = deadline - Date.now();
        // The OrderStatus search attribute moves once a step is done (CONFIRMED once stock is committed).
        const description = left > 0 ? await describe(orderId) : undefined;
        if (!description || statusOf(description) !== 'PENDING') return order(orderId);
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
        pause = Math.min(pause * 2, 500);
      }
    },
    list: (query) => searchOrders(db, query),
    events: (orderId, page) => listOrderEvents(db, orderId, page),
  };
}
