import { sql, type QueryCreator, type Selectable } from 'kysely';
import { z } from 'zod';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import type { OrderStatus } from './contract.js';
import type { OrderDatabase, OrderDb, OrderEventTable } from './schema.js';
import { values } from './sql-values.js';
import type { Actor, OrderEvent, OrderEventDetails, OrderEventType, PublishedOrderEvent } from './timeline.contract.js';

/** A payment event's currency is its order's: the statement takes it from the order's row. */
type Given<T extends OrderEventType> = T extends `payment.${string}` ? Omit<OrderEventDetails[T], 'currency'> : OrderEventDetails[T];

/** An event to write with a change, before the statement gives it its ID, time and (for payments) currency. */
export type NewEvent = {
  [T in OrderEventType]: {
    type: T;
    actor: Actor;
    /** The order's status right after the change; undefined for a change that leaves it as it is (the order's row says). */
    status: OrderStatus | undefined;
    details: Given<T>;
  };
}[OrderEventType];

export const newEvent = <T extends OrderEventType>(type: T, actor: Actor, status: OrderStatus | undefined, details: Given<T>) => ({ type, actor, status, details }) as NewEvent;

/** The CTEs (and tables) a statement can write events from: those with an order_id column. */
type WithOrderId<DB> = { [K in keyof DB & string]: DB[K] extends { order_id: string } ? K : never }[keyof DB & string];

/**
 * The CTE that writes a change's events into the timeline, in the statement that makes the change:
 * `events` once for each row of the CTE `source` (the change's rows, one per order changed, with
 * its order_id), in the order given. A change that did not happen (a replay) returns no rows, so
 * writes no event. The order's row is read as the statement found it: its currency, and its status
 * for an event given none; an order inserted by the same statement is not there yet, so its events
 * carry their status and no payment.
 */
export function writeEvents<DB extends OrderDatabase>(db: QueryCreator<DB>, source: WithOrderId<DB>, events: readonly NewEvent[]) {
  // Typed under one alias: the CTE's name is the caller's, its one column we need is order_id.
  const changed = db as unknown as QueryCreator<OrderDatabase & { changed: { order_id: string } }>;
  const rows = events.map((event, index) => ({
    n: index,
    type: event.type,
    actor: JSON.stringify(event.actor),
    status: event.status ?? null,
    details: JSON.stringify(event.details),
  }));
  return changed
    .insertInto('order_events')
    .columns(['order_id', 'type', 'actor', 'status', 'details'])
    .expression((eb) =>
      eb
        // The change's rows last: the join to the order's row binds to them.
        .selectFrom([values(rows, 'e', { n: 'int', type: 'text', actor: 'text', status: 'text', details: 'text' }), `${source} as changed` as 'changed'])
        .leftJoin('orders as o', 'o.order_id', 'changed.order_id')
        .select([
          'changed.order_id',
          sql<OrderEventType>`e.type`.as('type'),
          sql<string>`e.actor::jsonb`.as('actor'),
          sql<OrderStatus>`coalesce(e.status, o.status)`.as('status'),
          sql<string>`e.details::jsonb || CASE WHEN e.type LIKE 'payment.%' THEN jsonb_build_object('currency', o.currency) ELSE '{}'::jsonb END`.as('details'),
        ])
        .orderBy('e.n'),
    )
    .returning('order_events.event_id');
}

const toEvent = (row: Selectable<OrderEventTable>): OrderEvent =>
  ({
    eventId: row.event_id,
    orderId: row.order_id,
    type: row.type,
    at: row.at.toISOString(),
    actor: row.actor,
    status: row.status,
    details: row.details,
  }) as OrderEvent;

const EventCursor = z.tuple([z.number().int().positive()]);

/** An order's timeline, oldest first, paged by the events' global sequence. */
export async function listOrderEvents(db: OrderDb, orderId: string, page: { limit: number; cursor?: string }): Promise<Page<OrderEvent>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, EventCursor)[0];
  let select = db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('event_seq').limit(page.limit + 1);
  if (after !== undefined) select = select.where('event_seq', '>', after);
  return toPage(await select.execute(), page.limit, toEvent, (row) => [row.event_seq]);
}

/** The outbox: the oldest events not published yet, oldest first (the partial index on event_seq), each with its order's customer. */
export async function findUnpublishedEvents(db: OrderDb, limit: number): Promise<PublishedOrderEvent[]> {
  const rows = await db
    .selectFrom('order_events as e')
    .innerJoin('orders as o', 'o.order_id', 'e.order_id')
    .selectAll('e')
    .select('o.customer_id')
    .where('e.published_at', 'is', null)
    .orderBy('e.event_seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...toEvent(row), customerId: row.customer_id }));
}

/** Takes events out of the outbox; one published before stays as it was. Answers how many this call marked. */
export async function markPublished(db: OrderDb, eventIds: readonly string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  const result = await db
    .updateTable('order_events')
    .set({ published_at: sql`now()` })
    .where('event_id', 'in', eventIds)
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
