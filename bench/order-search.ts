import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { orderMigrations } from '../activities/order/migrations/index.js';
import type { OrderDatabase } from '../activities/order/schema.js';
import { searchOrders } from '../activities/order/search.js';
import { migrateSchema } from '../cli/migrations.js';
import { createPool } from '../common/database.js';
import { runMain } from '../common/main.js';
import { ROOT } from '../dev/stack.js';
import { stopOnInterrupt } from './support/interrupt.js';
import { seedOrders, skuOfRank, type SeedSize } from './support/order-search-seed.js';
import { PAGE_SIZE, prng, searchBefore, SHAPES, type SeedFacts, type Shape } from './support/order-search-shapes.js';
import { median, percentile } from './support/stats.js';

const usage = `usage: npm run bench:search -- [--orders 1000000] [--runs 200] [--budget-s 20] [--keep]

Order search (GET /orders's query, activities/order/search.ts) at --orders orders. Makes the scratch
database ${'`orderflow_bench_order_search`'} (dropped and made again each run), runs the order service's
migrations up to 0004, seeds orders and lines in SQL, then measures each query shape --runs times
(varying its parameters; an arm stops a shape after --budget-s seconds) in three arms:
  before          the tables as 0004 left them; the search with a SKU through EXISTS
  plain indexes   the same, plus (status, created_at) on orders and (sku) on order_lines
  after           migration 0005 applied (its time reported), the real searchOrders()
p50/p99 per shape and arm, EXPLAIN (ANALYZE, BUFFERS) of one run per shape; Markdown, JSON and the
plans as text to bench/results/order-search-*. --keep leaves the database for a look afterwards.`;

const DATABASE = 'orderflow_bench_order_search';
const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ARMS = ['before', 'plain indexes', 'after'] as const;
type Arm = (typeof ARMS)[number];

interface ShapeResult {
  arm: Arm;
  shape: string;
  runs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The indexes (or sequential scans) the EXPLAINed run used, in plan order. */
  access: string[];
  explainMs: number;
  buffers: string;
  samplesMs: number[];
  /** The five slowest runs with their parameters: what the p99 is made of. */
  slowest: Array<{ ms: number; query: ReturnType<Shape['query']> }>;
}

const databaseUrl = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();

/** Connections to the scratch database as the superuser: one for set-up, a schema-scoped one that records each query's SQL. */
function open(url: string) {
  let last: CompiledQuery | undefined;
  const pool = createPool({ url, poolMax: 1, applicationName: 'bench-order-search' });
  const orders = new Kysely<OrderDatabase>({ dialect: new PostgresDialect({ pool }), log: (event) => void (last = event.query) }).withSchema('orders');
  const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: createPool({ url, poolMax: 1 }) }) });
  // The searches' own connection: EXPLAIN runs a recorded statement with its parameters on it, as the search sent it.
  return { orders, admin, pool, lastQuery: () => last, destroy: () => Promise.all([orders.destroy(), admin.destroy()]) };
}
type Connections = ReturnType<typeof open>;

/** One search of a shape: walks `pagesBefore` pages untimed, then times the next one. */
async function searchOnce(arm: Arm, db: Connections, shape: Shape, query: ReturnType<Shape['query']>): Promise<number> {
  const base = { ...query, limit: PAGE_SIZE };
  if (arm === 'after') {
    let cursor: string | undefined;
    for (let page = 0; page < (shape.pagesBefore ?? 0); page += 1) cursor = (await searchOrders(db.orders, { ...base, ...(cursor && { cursor }) })).nextCursor ?? undefined;
    const start = performance.now();
    await searchOrders(db.orders, { ...base, ...(cursor && { cursor }) });
    return performance.now() - start;
  }
  let after: readonly [string, string] | undefined;
  for (let page = 0; page < (shape.pagesBefore ?? 0); page += 1) after = (await searchBefore(db.orders, base, after)).next;
  const start = performance.now();
  await searchBefore(db.orders, base, after);
  return performance.now() - start;
}

/** The access paths of a text plan: index names, and tables read sequentially. */
const accessOf = (plan: string) => [...plan.matchAll(/(?:(?:Index|Index Only|Bitmap Index) Scan(?: Backward)? (?:using|on) (\w+))|(?:Seq Scan on (\w+))/g)].map((m) => m[1] ?? `Seq Scan ${m[2]}`);

async function explain(db: Connections, compiled: CompiledQuery): Promise<string> {
  const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${compiled.sql}`, compiled.parameters as unknown[]);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

async function measureArm(arm: Arm, db: Connections, facts: SeedFacts, runs: number, budgetMs: number, plans: string[]): Promise<ShapeResult[]> {
  const results: ShapeResult[] = [];
  for (const [index, shape] of SHAPES.entries()) {
    const random = prng(1_000 + index);
    const queries = Array.from({ length: runs }, () => shape.query(random, facts));
    // Warm-up: the first three of the same questions, untimed.
    for (const query of queries.slice(0, 3)) await searchOnce(arm, db, shape, query);
    const samples: number[] = [];
    const started = performance.now();
    for (const query of queries) {
      samples.push(await searchOnce(arm, db, shape, query));
      if (performance.now() - started > budgetMs) break;
    }
    const slowest = samples
      .map((sampleMs, i) => ({ ms: sampleMs, query: queries[i]! }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5);
    // The plan of the first question, run once more and explained as PostgreSQL ran it.
    await searchOnce(arm, db, shape, queries[0]!);
    const plan = await explain(db, db.lastQuery()!);
    plans.push(`### ${arm} — ${shape.name}\n\nquery: ${JSON.stringify(queries[0])}\n\n${plan}\n`);
    const result: ShapeResult = {
      arm,
      shape: shape.name,
      runs: samples.length,
      p50Ms: median(samples),
      p99Ms: percentile(samples, 0.99),
      maxMs: Math.max(...samples),
      access: accessOf(plan),
      explainMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN),
      buffers: /Buffers: ([^\n]+)/.exec(plan)?.[1] ?? '',
      samplesMs: samples,
      slowest,
    };
    results.push(result);
    process.stdout.write(`${arm.padEnd(14)} ${shape.name.padEnd(28)} n=${String(result.runs).padStart(3)} p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms  ${result.access.join(', ')}\n`);
  }
  return results;
}

/** Real (customer, SKU, time) triples, for the combined shape. */
async function seedFacts(db: Connections, size: SeedSize, now: number): Promise<SeedFacts> {
  const { rows } = await sql<{ customer_id: string; sku: string; created_at: Date }>`
    SELECT o.customer_id, l.sku, o.created_at FROM orders.orders o TABLESAMPLE SYSTEM (1) JOIN orders.order_lines l USING (order_id) LIMIT 500`.execute(db.admin);
  return { size, now, lines: rows.map((row) => ({ customerId: row.customer_id, sku: row.sku, createdAt: row.created_at.getTime() })) };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function report(meta: Record<string, unknown>, results: ShapeResult[]): string {
  const lines = [
    `# Order search at ${Number(meta.orders).toLocaleString('en')} orders (${meta.startedAt})`,
    '',
    `\`npm run bench:search\` (bench/order-search.ts): ${JSON.stringify(meta)}`,
    '',
    'Per shape and arm: runs (each with other parameters), p50 and p99 of the page read (limit 20) in ms, and the access paths of one EXPLAIN (ANALYZE, BUFFERS) run with its time and buffers.',
    '',
    '| shape | arm | runs | p50 ms | p99 ms | explained run: access | ms | buffers |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const shape of SHAPES) {
    for (const arm of ARMS) {
      const r = results.find((result) => result.arm === arm && result.shape === shape.name);
      if (r) lines.push(`| ${shape.name} | ${arm} | ${r.runs} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${r.access.join(', ')} | ${ms(r.explainMs)} | ${r.buffers} |`);
    }
  }
  lines.push('', 'Shapes:', '', ...SHAPES.map((shape) => `- **${shape.name}**: ${shape.what}`), '');
  lines.push('The slowest runs of each shape after migration 0005 (ms, parameters):', '');
  for (const r of results.filter((result) => result.arm === 'after')) lines.push(`- ${r.shape}: ${r.slowest.map((run) => `${ms(run.ms)} ${JSON.stringify(run.query)}`).join('; ')}`);
  lines.push('');
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({ options: { orders: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '200' }, 'budget-s': { type: 'string', default: '20' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean' } } });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const size: SeedSize = { orders: Number(values.orders), customers: 50_000, skus: 5_000 };
  const runs = Number(values.runs);
  const budgetMs = Number(values['budget-s']) * 1000;
  const startedAt = new Date().toISOString();

  const cluster = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: createPool({ url: ADMIN_URL, poolMax: 1 }) }) });
  await sql`DROP DATABASE IF EXISTS ${sql.id(DATABASE)} WITH (FORCE)`.execute(cluster);
  await sql`CREATE DATABASE ${sql.id(DATABASE)}`.execute(cluster);
  const db = open(databaseUrl(DATABASE));
  const stop = stopOnInterrupt(async () => {
    await db.destroy();
    if (!values.keep) await sql`DROP DATABASE IF EXISTS ${sql.id(DATABASE)} WITH (FORCE)`.execute(cluster);
    await cluster.destroy();
  });
  try {
    const timings: Record<string, number> = {};
    const timed = async (name: string, step: () => Promise<unknown>) => {
      const start = performance.now();
      await step();
      timings[name] = Math.round(performance.now() - start) / 1000;
      process.stdout.write(`${name}: ${timings[name]} s\n`);
    };
    await sql`CREATE SCHEMA orders`.execute(db.admin);
    const { '0005_add_search_indexes': search, ...before } = orderMigrations;
    await migrateSchema(db.admin, 'orders', before);
    await timed('seed (s)', () => seedOrders(db.admin, size));
    const counts = await sql<{ orders: number; lines: number; top_sku_orders: number }>`
      SELECT (SELECT count(*) FROM orders.orders)::int AS orders, (SELECT count(*) FROM orders.order_lines)::int AS lines,
             (SELECT count(*) FROM orders.order_lines WHERE sku = ${skuOfRank(1)})::int AS top_sku_orders`.execute(db.admin);
    const facts = await seedFacts(db, size, Date.now());
    const plans: string[] = [];
    const results: ShapeResult[] = [];

    results.push(...(await measureArm('before', db, facts, runs, budgetMs, plans)));
    await timed('plain indexes (s)', async () => {
      await sql`CREATE INDEX bench_orders_status_idx ON orders.orders (status, created_at DESC, order_id DESC)`.execute(db.admin);
      await sql`CREATE INDEX bench_order_lines_sku_idx ON orders.order_lines (sku)`.execute(db.admin);
      await sql`ANALYZE orders.orders, orders.order_lines`.execute(db.admin);
    });
    results.push(...(await measureArm('plain indexes', db, facts, runs, budgetMs, plans)));
    await sql`DROP INDEX orders.bench_orders_status_idx, orders.bench_order_lines_sku_idx`.execute(db.admin);

    await timed('migration 0005 (s)', () => migrateSchema(db.admin, 'orders', { ...before, '0005_add_search_indexes': search! }));
    await sql`VACUUM ANALYZE orders.orders, orders.order_lines`.execute(db.admin);
    results.push(...(await measureArm('after', db, facts, runs, budgetMs, plans)));

    const sizes = await sql<{ name: string; mb: number }>`
      SELECT c.relname AS name, round(pg_relation_size(c.oid) / 1048576.0, 1)::float AS mb
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'orders' AND c.relkind IN ('r', 'i') AND (c.relname IN ('orders', 'order_lines') OR c.relname LIKE 'order%idx' OR c.relname LIKE 'order%key')
      ORDER BY 1`.execute(db.admin);
    const meta = { startedAt, ...size, runs, budgetS: budgetMs / 1000, ...counts.rows[0], timings, relationSizesMb: Object.fromEntries(sizes.rows.map((r) => [r.name, r.mb])) };
    const stem = path.join(ROOT, 'bench', 'results', `order-search-${startedAt.replace(/[:.]/g, '-')}`);
    await mkdir(path.dirname(stem), { recursive: true });
    await writeFile(`${stem}.json`, `${JSON.stringify({ meta, results }, null, 2)}\n`);
    await writeFile(`${stem}-plans.txt`, plans.join('\n'));
    await writeFile(`${stem}.md`, report(meta, results));
    process.stdout.write(`wrote ${stem}.{md,json} and ${stem}-plans.txt\n`);
  } finally {
    await stop();
  }
}

runMain(main);
