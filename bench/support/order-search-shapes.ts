import { sql, type Kysely } from 'kysely';
import type { OrderListQuery, OrderStatus } from '../../activities/order/contract.js';
import type { OrderDatabase } from '../../activities/order/schema.js';
import { customerOfNumber, DISCONTINUED_RANKS, skuOfRank, type SeedSize } from './order-search-seed.js';

const STATUSES: OrderStatus[] = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'PARTIALLY_RETURNED', 'RETURNED'];
const DAY_MS = 86_400_000;
const PAGE = 20;

/** A deterministic PRNG (mulberry32), so that every arm asks the same questions in the same order. */
export function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}
type Random = ReturnType<typeof prng>;

/** What the seeded data offers the shapes: real (customer, SKU, time) triples of lines, and when "now" was. */
export interface SeedFacts {
  size: SeedSize;
  now: number;
  lines: Array<{ customerId: string; sku: string; createdAt: number }>;
}

/** One query shape: its parameters for run i, and how many pages to walk (untimed) before the timed one. */
export interface Shape {
  name: string;
  what: string;
  query: (random: Random, facts: SeedFacts) => Omit<OrderListQuery, 'limit' | 'cursor'>;
  pagesBefore?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The 20 most ordered SKUs still sold (the discontinued ones left out). */
const POPULAR = Array.from({ length: 25 }, (_, i) => i + 1).filter((rank) => rank < DISCONTINUED_RANKS[0] || rank > DISCONTINUED_RANKS[1]);
const popularSku = (random: Random) => skuOfRank(random.pick(POPULAR));

export const SHAPES: Shape[] = [
  { name: 'none', what: 'no filter (staff: every order)', query: () => ({}) },
  { name: 'status', what: 'each of the 9 statuses in turn (PENDING: a handful, all in the last hour)', query: (random) => ({ status: random.pick(STATUSES) }) },
  { name: 'customer', what: 'one customer (skewed: from a few to a few hundred orders)', query: (random, { size }) => ({ customerId: customerOfNumber(random.int(1, size.customers)) }) },
  {
    name: 'date range',
    what: 'from/to: 1, 7 or 30 days anywhere in the two years',
    query: (random, { now }) => {
      const days = random.pick([1, 7, 30]);
      const from = now - random.next() * (730 - days) * DAY_MS - days * DAY_MS;
      return { from: iso(from), to: iso(from + days * DAY_MS) };
    },
  },
  { name: 'SKU, popular', what: 'one of the 20 most ordered SKUs still sold (1–15 % of orders)', query: (random) => ({ sku: popularSku(random) }) },
  {
    name: 'SKU, discontinued',
    what: 'a top-10 SKU not sold for 540 days (popular by the statistics, absent from recent orders)',
    query: (random) => ({ sku: skuOfRank(random.int(DISCONTINUED_RANKS[0], DISCONTINUED_RANKS[1])) }),
  },
  { name: 'SKU, rare', what: 'a SKU of popularity rank 4,000–4,999 (a few dozen orders)', query: (random) => ({ sku: skuOfRank(random.int(4000, 4999)) }) },
  { name: 'SKU, never ordered', what: 'a catalogue SKU on no order (nothing to find)', query: (random) => ({ sku: `NEW-${random.int(1000, 9999)}` }) },
  { name: 'status + SKU', what: 'a popular SKU with any status', query: (random) => ({ sku: popularSku(random), status: random.pick(STATUSES) }) },
  {
    name: 'customer + SKU + from + to',
    what: "a customer's real line (or a popular SKU), within a 210-day window around it",
    query: (random, { lines }) => {
      const line = random.pick(lines);
      const sku = random.next() < 0.5 ? line.sku : popularSku(random);
      return { customerId: line.customerId, sku, from: iso(line.createdAt - 180 * DAY_MS), to: iso(line.createdAt + 30 * DAY_MS) };
    },
  },
  {
    name: 'deep page',
    what: 'page 11 (10 pages walked first): no filter, a status or a popular SKU',
    pagesBefore: 10,
    query: (random) => random.pick([{}, { status: 'DELIVERED' as const }, { sku: popularSku(random) }]),
  },
];

export const PAGE_SIZE = PAGE;

/**
 * The search as it would be without migration 0005 (its lines have no creation time): a SKU through
 * EXISTS on order_lines, everything else as search.ts does. The "before" arms run it.
 */
export async function searchBefore(db: Kysely<OrderDatabase>, query: OrderListQuery, after?: readonly [string, string]) {
  const rows = await db
    .selectFrom('orders as o')
    .select(['o.order_id', 'o.customer_id', 'o.status', 'o.total_cents', 'o.currency', 'o.created_at', 'o.updated_at'])
    .select(sql<string>`to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_key'))
    .$if(query.sku !== undefined, (q) => q.where(({ exists, selectFrom }) => exists(selectFrom('order_lines as l').select(sql`1`.as('one')).whereRef('l.order_id', '=', 'o.order_id').where('l.sku', '=', query.sku!))))
    .$if(query.customerId !== undefined, (q) => q.where('o.customer_id', '=', query.customerId!))
    .$if(query.status !== undefined, (q) => q.where('o.status', '=', query.status!))
    .$if(query.from !== undefined, (q) => q.where('o.created_at', '>=', sql<Date>`${query.from}::timestamptz`))
    .$if(query.to !== undefined, (q) => q.where('o.created_at', '<', sql<Date>`${query.to}::timestamptz`))
    .$if(after !== undefined, (q) => q.where(sql<boolean>`(o.created_at, o.order_id) < (${after![0]}::timestamptz, ${after![1]}::uuid)`))
    .orderBy('o.created_at', 'desc')
    .orderBy('o.order_id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { items: page, next: rows.length > query.limit && last ? ([last.created_key, last.order_id] as const) : undefined };
}
