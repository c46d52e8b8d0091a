import { sql, type Kysely } from 'kysely';

export interface SeedSize {
  orders: number;
  customers: number;
  skus: number;
}

/** A SKU's name from its popularity rank (1 the most ordered). */
export const skuOfRank = (rank: number) => `SKU-${String(rank).padStart(4, '0')}`;
/** Popularity ranks of SKUs discontinued 540 days ago (each replaced by SKU-90xx): ordered a lot, but only in the oldest months. */
export const DISCONTINUED_RANKS = [6, 10] as const;
/** A customer's ID from its number (1 the most active). */
export const customerOfNumber = (n: number) => `cust-${String(n).padStart(5, '0')}`;

/**
 * Orders and their lines in SQL, as the order service's tables hold them after two years of trade
 * (before migration 0005: the lines have no creation time of their own). Inserted in creation
 * order, as a live table fills. Customers and SKUs are skewed: customer k orders about as often as
 * 1/√k (power(random, 2)), a SKU of rank r is on a line with probability about 1/r (Zipf: rank =
 * floor(skus^random), the top SKU on about 8 % of lines, the tail's on a few dozen). 1–4 lines of
 * distinct SKUs per order (half have one). Five of the top ten SKUs were discontinued 540 days
 * ago, replaced by new ones (DISCONTINUED_RANKS): popular by the statistics, absent from the recent
 * orders a search walks first. Statuses follow age: the last hour PENDING or CONFIRMED,
 * the last days shipping, older ones delivered, with 5 % cancelled, 5 % rejected and 6 % returned.
 */
export async function seedOrders(db: Kysely<unknown>, { orders, customers, skus }: SeedSize): Promise<void> {
  await sql`SET work_mem = '256MB'`.execute(db);
  await sql`
    CREATE UNLOGGED TABLE public.seed AS
    SELECT gen_random_uuid() AS order_id,
           'cust-' || lpad((1 + floor(${customers} * power(random(), 2)))::int::text, 5, '0') AS customer_id,
           now() - random() * interval '730 days' AS created_at,
           random() AS r,
           CASE WHEN random() < 0.5 THEN 1 WHEN random() < 0.5 THEN 2 WHEN random() < 0.6 THEN 3 ELSE 4 END AS lines
    FROM generate_series(1, ${orders})`.execute(db);
  await sql`
    INSERT INTO orders.orders (order_id, customer_id, customer_email, status, reason, total_cents, currency, created_at, updated_at)
    SELECT order_id, customer_id, customer_id || '@example.test', status,
           CASE WHEN status = 'REJECTED' THEN 'OUT_OF_STOCK' END,
           CASE WHEN status NOT IN ('PENDING', 'REJECTED') THEN 500 + floor(r * 1000000)::int % 50000 END,
           CASE WHEN status NOT IN ('PENDING', 'REJECTED') THEN 'EUR' END,
           created_at, created_at
    FROM (
      SELECT seed.*, CASE
        WHEN now() - created_at < interval '1 hour' THEN CASE WHEN r < 0.10 THEN 'PENDING' WHEN r < 0.95 THEN 'CONFIRMED' ELSE 'REJECTED' END
        WHEN now() - created_at < interval '3 days' THEN CASE WHEN r < 0.40 THEN 'CONFIRMED' WHEN r < 0.50 THEN 'PARTIALLY_SHIPPED' WHEN r < 0.90 THEN 'SHIPPED' WHEN r < 0.95 THEN 'CANCELLED' ELSE 'REJECTED' END
        WHEN now() - created_at < interval '14 days' THEN CASE WHEN r < 0.20 THEN 'SHIPPED' WHEN r < 0.90 THEN 'DELIVERED' WHEN r < 0.95 THEN 'CANCELLED' ELSE 'REJECTED' END
        ELSE CASE WHEN r < 0.84 THEN 'DELIVERED' WHEN r < 0.87 THEN 'RETURNED' WHEN r < 0.90 THEN 'PARTIALLY_RETURNED' WHEN r < 0.95 THEN 'CANCELLED' ELSE 'REJECTED' END
      END AS status FROM public.seed
    ) aged
    ORDER BY created_at`.execute(db);
  await sql`
    INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, product_name, unit_price_cents, line_total_cents)
    SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY sku), sku, quantity, 'Product ' || sku, 1000, 1000 * quantity
    FROM (
      SELECT DISTINCT ON (seed.order_id, line.sku) seed.order_id, seed.created_at, line.sku, line.quantity
      FROM public.seed CROSS JOIN LATERAL (
        -- Ranks 6-10 were replaced 540 days ago by new versions (SKU-9006 ... SKU-9010): popular, but only long ago.
        SELECT CASE WHEN rank BETWEEN ${DISCONTINUED_RANKS[0]} AND ${DISCONTINUED_RANKS[1]} AND seed.created_at > now() - interval '540 days' THEN 'SKU-' || (9000 + rank)
                    ELSE 'SKU-' || lpad(rank::text, 4, '0') END AS sku,
               quantity
        FROM (SELECT floor(power(${skus}, random()))::int AS rank, 1 + floor(random() * 3)::int AS quantity FROM generate_series(1, seed.lines)) drawn
      ) line
    ) distinct_lines
    ORDER BY created_at, order_id`.execute(db);
  await sql`DROP TABLE public.seed`.execute(db);
  await sql`VACUUM ANALYZE orders.orders, orders.order_lines`.execute(db);
}
