import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../common/pagination.js';
import { serviceDatabases, uniqueSku } from '../../test/support/databases.js';
import type { OrderListQuery, OrderStatus } from './contract.js';
import { findOrder, insertOrder } from './repository.js';
import { searchOrders } from './search.js';

// The search on a real PostgreSQL: fixtures written as the order service's owner, searched as the
// API's reader. The database is shared with other suites, so each test's orders live in a time
// window of their own (years before any other suite's), with customers and SKUs of their own.
const owner = serviceDatabases('owner');
const reader = serviceDatabases('reader');
afterAll(() => Promise.all([owner.destroy(), reader.destroy()]));

interface Fixture {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  createdAt: string;
  skus: string[];
}

/** A window of one day, somewhere in 1990–2019, for one test's orders; `at(minutes)` is an instant in it. */
function window() {
  const start = Date.UTC(1990, 0, 1) + randomInt(0, 30 * 365) * 86_400_000;
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString(), at: (minutes: number) => new Date(start + minutes * 60_000).toISOString() };
}

/** Orders and their lines as the order service stores them, each line carrying its order's creation time. */
async function seed(orders: Array<Omit<Fixture, 'orderId'> & { orderId?: string }>): Promise<Fixture[]> {
  const fixtures = orders.map((order) => ({ ...order, orderId: order.orderId ?? randomUUID() }));
  for (const order of fixtures) {
    await sql`
      INSERT INTO orders.orders (order_id, customer_id, customer_email, status, reason, total_cents, currency, created_at, updated_at)
      VALUES (${order.orderId}, ${order.customerId}, 'c@example.com', ${order.status}, ${order.status === 'REJECTED' ? 'OUT_OF_STOCK' : null},
              ${order.status === 'CONFIRMED' ? 1000 : null}, ${order.status === 'CONFIRMED' ? 'EUR' : null}, ${order.createdAt}::timestamptz, ${order.createdAt}::timestamptz)`.execute(owner.order);
    for (const [index, sku] of order.skus.entries()) {
      await sql`
        INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, order_created_at)
        VALUES (${order.orderId}, ${index + 1}, ${sku}, 1, ${order.createdAt}::timestamptz)`.execute(owner.order);
    }
  }
  return fixtures;
}

/** What a search must answer, worked out from the fixtures: newest first, ties by order ID, descending. */
function expected(fixtures: Fixture[], query: Omit<OrderListQuery, 'limit'>) {
  return fixtures
    .filter(
      (o) =>
        (query.customerId === undefined || o.customerId === query.customerId) &&
        (query.status === undefined || o.status === query.status) &&
        (query.sku === undefined || o.skus.includes(query.sku)) &&
        (query.from === undefined || Date.parse(o.createdAt) >= Date.parse(query.from)) &&
        (query.to === undefined || Date.parse(o.createdAt) < Date.parse(query.to)),
    )
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.orderId < a.orderId ? -1 : b.orderId > a.orderId ? 1 : 0))
    .map((o) => o.orderId);
}

/** Every page of a search, in order: the order IDs, each page's size, and that the last had no next cursor. */
async function allPages(query: Omit<OrderListQuery, 'limit' | 'cursor'>, limit: number) {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchOrders(reader.order, { ...query, limit, ...(cursor && { cursor }) });
    ids.push(...page.items.map((o) => o.orderId));
    sizes.push(page.items.length);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ids, sizes };
}

/** An ISO instant one microsecond before `iso` (a whole millisecond), as PostgreSQL stores it. */
const microsecondBefore = (iso: string) => new Date(Date.parse(iso) - 1).toISOString().replace('Z', '999Z');

const search = async (query: Omit<OrderListQuery, 'limit'>, limit = 100) => (await searchOrders(reader.order, { ...query, limit })).items.map((o) => o.orderId);

/** Six orders of two customers over one window, in four statuses, with SKUs shared and not. */
async function sixOrders() {
  const w = window();
  const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
  const [lamp, mug, cap] = [uniqueSku('LAMP'), uniqueSku('MUG'), uniqueSku('CAP')];
  const fixtures = await seed([
    { customerId: alice, status: 'DELIVERED', createdAt: w.at(10), skus: [lamp, mug] },
    { customerId: bob, status: 'CONFIRMED', createdAt: w.at(20), skus: [mug] },
    { customerId: alice, status: 'CONFIRMED', createdAt: w.at(30), skus: [cap, lamp, mug] },
    { customerId: bob, status: 'CANCELLED', createdAt: w.at(40), skus: [lamp] },
    { customerId: alice, status: 'REJECTED', createdAt: w.at(50), skus: [cap] },
    { customerId: bob, status: 'CONFIRMED', createdAt: w.at(60), skus: [lamp, cap] },
  ]);
  return { w, alice, bob, lamp, mug, cap, fixtures };
}

describe('order search', () => {
  it('finds one customer’s orders, newest first, and no one else’s', async () => {
    const { alice, bob, fixtures } = await sixOrders();
    for (const customerId of [alice, bob]) expect(await search({ customerId })).toEqual(expected(fixtures, { customerId }));
    expect(await search({ customerId: `nobody-${randomUUID()}` })).toEqual([]);
  });

  it('finds orders in one status within a time range', async () => {
    const { w, fixtures } = await sixOrders();
    for (const status of ['CONFIRMED', 'DELIVERED', 'CANCELLED', 'REJECTED', 'SHIPPED'] as const) {
      const query = { status, from: w.from, to: w.to };
      expect(await search(query)).toEqual(expected(fixtures, query));
    }
  });

  it('takes `from` inclusive and `to` exclusive, to the microsecond', async () => {
    const w = window();
    const customerId = `c-${randomUUID()}`;
    const [from, to] = [w.at(10), w.at(30)];
    const [atFrom, justBeforeFrom, justBeforeTo, atTo] = await seed(
      [from, microsecondBefore(from), microsecondBefore(to), to].map((createdAt) => ({ customerId, status: 'CONFIRMED' as const, createdAt, skus: [uniqueSku()] })),
    );
    expect(await search({ customerId, from, to })).toEqual([justBeforeTo!.orderId, atFrom!.orderId]);
    expect(await search({ customerId, to: from })).toEqual([justBeforeFrom!.orderId]);
    expect(await search({ customerId, from: to })).toEqual([atTo!.orderId]);
  });

  it('finds the orders having a line of a SKU, each once, newest first', async () => {
    const { lamp, mug, cap, fixtures } = await sixOrders();
    for (const sku of [lamp, mug, cap]) {
      const found = await search({ sku });
      expect(found).toEqual(expected(fixtures, { sku }));
      expect(new Set(found).size).toBe(found.length);
    }
    expect(await search({ sku: uniqueSku('NONE') })).toEqual([]);
  });

  it('finds an order once even when it was meant to hold the SKU twice: the lines keep one per SKU', async () => {
    const w = window();
    const sku = uniqueSku();
    const [order] = await seed([{ customerId: `c-${randomUUID()}`, status: 'CONFIRMED', createdAt: w.at(1), skus: [sku, uniqueSku()] }]);
    const repeat = sql`INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, order_created_at) VALUES (${order!.orderId}, 3, ${sku}, 2, ${order!.createdAt}::timestamptz)`;
    await expect(repeat.execute(owner.order)).rejects.toThrow(/order_lines_order_id_sku_key/);
    expect(await search({ sku })).toEqual([order!.orderId]);
  });

  it('combines every filter: customer, status, SKU and time range', async () => {
    const { w, alice, bob, lamp, mug, fixtures } = await sixOrders();
    const queries: Array<Omit<OrderListQuery, 'limit'>> = [
      { customerId: alice, sku: lamp, from: w.from, to: w.to },
      { customerId: alice, sku: mug, status: 'CONFIRMED', from: w.at(0), to: w.at(31) },
      { customerId: bob, sku: lamp, status: 'CONFIRMED', from: w.at(45), to: w.to },
      { customerId: bob, sku: mug, from: w.at(21), to: w.to },
      { status: 'CONFIRMED', sku: lamp, from: w.from, to: w.to },
    ];
    for (const query of queries) expect(await search(query)).toEqual(expected(fixtures, query));
    // Not vacuous: the fixtures answer each with something, but the fourth (bob's one MUG order is before 21 min).
    expect(queries.map((query) => expected(fixtures, query).length)).toEqual([2, 1, 1, 0, 2]);
  });

  it('pages through every order once, newest first, orders created at the same instant included', async () => {
    const w = window();
    const sku = uniqueSku();
    const customerId = `c-${randomUUID()}`;
    // Three orders at one instant, two more at another: only the order ID tells them apart.
    const times = [w.at(5), w.at(5), w.at(5), w.at(1), w.at(9), w.at(9), w.at(3)];
    const fixtures = await seed(times.map((createdAt, i) => ({ customerId, status: 'CONFIRMED' as const, createdAt, skus: i % 2 === 0 ? [sku] : [sku, uniqueSku()] })));
    for (const query of [{ customerId }, { sku }, { from: w.from, to: w.to }, { sku, from: w.from, to: w.to }]) {
      for (const limit of [1, 2, 3, 7, 20]) {
        const { ids, sizes } = await allPages(query, limit);
        expect(ids).toEqual(expected(fixtures, query));
        expect(sizes.slice(0, -1).every((size) => size === limit)).toBe(true);
      }
    }
  });

  it('pages through orders created within one millisecond without skipping any', async () => {
    const customerId = `c-${randomUUID()}`;
    const ids: string[] = [];
    const sku = uniqueSku();
    for (let i = 0; i < 5; i += 1) {
      const orderId = randomUUID();
      await insertOrder(owner.order, { orderId, customerId, customerEmail: 'c@example.com', lines: [{ sku, quantity: 1 }] });
      // Microseconds apart, inside the same millisecond: what a busy database gives several orders.
      // The lines' copy of the time follows (the foreign key cascades).
      await sql`UPDATE orders.orders SET created_at = ${`1989-01-01T00:00:00.12300${i + 1}Z`}::timestamptz WHERE order_id = ${orderId}`.execute(owner.order);
      ids.push(orderId);
    }
    expect((await allPages({ customerId }, 2)).ids).toEqual([...ids].reverse());
    expect((await allPages({ sku }, 2)).ids).toEqual([...ids].reverse());
  });

  it('finds an order recorded by the order service by its SKU: its lines carry its creation time, and no other', async () => {
    const sku = uniqueSku();
    const orderId = randomUUID();
    await insertOrder(owner.order, { orderId, customerId: `c-${randomUUID()}`, customerEmail: 'c@example.com', lines: [{ sku, quantity: 2 }, { sku: uniqueSku(), quantity: 1 }] });
    const recorded = await findOrder(owner.order, orderId);
    expect((await searchOrders(reader.order, { sku, limit: 5 })).items).toEqual([
      { orderId, customerId: recorded!.customerId, status: 'PENDING', totalCents: null, currency: null, createdAt: recorded!.createdAt, updatedAt: recorded!.updatedAt },
    ]);
    const another = sql`INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, order_created_at) VALUES (${orderId}, 3, ${uniqueSku()}, 1, now() - interval '1 day')`;
    await expect(another.execute(owner.order)).rejects.toThrow(/order_lines_order_created_at_fkey/);
  });

  it('refuses a cursor it did not hand out', async () => {
    const forged = Buffer.from(JSON.stringify(['not a time', randomUUID()])).toString('base64url');
    await expect(searchOrders(reader.order, { limit: 5, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
