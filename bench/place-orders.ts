import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runMain } from '../common/main.js';
import { dropDatabase, setupDatabase } from '../common/database-setup.js';
import { ROOT } from '../dev/stack.js';
import { ensureTemporalBinary } from '../dev/temporal-binary.js';
import { settledOrders } from '../test/support/invariants.js';
import { SmtpSink } from '../test/support/smtp-sink.js';
import { TestStack, type Prepared } from '../test/support/stack.js';
import { generateDevSecrets } from '../dev/secrets.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';

/**
 * Order throughput and latency of the whole system (API, workers as processes, dev server,
 * SMTP), for a baseline of one replica per worker against scaled-out replicas, measured in
 * the same run. Each round places a burst of orders concurrently over HTTP and waits until
 * every workflow has completed; figures are medians over rounds.
 */
const usage = 'usage: npm run bench -- [--orders 100] [--rounds 5] [--scaled order=2,inventory=2]';

interface RoundResult {
  seconds: number;
  ordersPerSecond: number;
  latencyMedianMs: number;
  latencyP95Ms: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

async function round(stack: TestStack, orders: number, tokens: string[], admin: string): Promise<RoundResult> {
  const sku = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
  await stack.request('POST', '/products', { token: admin, body: { sku, name: 'Bench item', priceCents: 100, initialStock: orders } });
  const started = performance.now();
  const latencies: number[] = [];
  await Promise.all(
    tokens.slice(0, orders).map(async (token) => {
      const sent = performance.now();
      const { body } = await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] } });
      // Decided: confirmed with its email sent (the workflow then waits out the cancellation window).
      await settledOrders(stack.client, [body.orderId]);
      latencies.push(performance.now() - sent);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, ordersPerSecond: orders / seconds, latencyMedianMs: median(latencies), latencyP95Ms: percentile(latencies, 0.95) };
}

async function measure(name: string, replicas: string, prepared: Prepared, smtpUrl: string, orders: number, rounds: number) {
  const stack = await TestStack.start({
    name: `bench-${name}`,
    smtpUrl,
    replicas,
    prepared,
    env: { ORDER_CANCELLATION_WINDOW: '1ms', LOG_LEVEL: 'warn' },
  });
  try {
    const admin = await stack.token('bench-admin', ['admin']);
    const tokens = await Promise.all(Array.from({ length: orders }, (_, i) => stack.token(`bench-${i}`)));
    await round(stack, Math.min(orders, 20), tokens, admin); // warm-up, not counted
    const results: RoundResult[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const result = await round(stack, orders, tokens, admin);
      process.stdout.write(`  ${name} round ${i + 1}: ${result.ordersPerSecond.toFixed(1)} orders/s, latency median ${result.latencyMedianMs.toFixed(0)} ms\n`);
      results.push(result);
    }
    return {
      name,
      replicas: replicas || 'one of each',
      ordersPerSecond: median(results.map((r) => r.ordersPerSecond)),
      latencyMedianMs: median(results.map((r) => r.latencyMedianMs)),
      latencyP95Ms: median(results.map((r) => r.latencyP95Ms)),
      rounds: results,
    };
  } finally {
    await stack.stop();
  }
}

runMain(async () => {
  const { values } = parseArgs({
    options: { orders: { type: 'string', default: '100' }, rounds: { type: 'string', default: '5' }, scaled: { type: 'string', default: 'order=2,inventory=2' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const orders = Number(values.orders);
  const rounds = Number(values.rounds);
  const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databaseUrl = `postgres://127.0.0.1:5432/orderflow_bench_${randomBytes(4).toString('hex')}`;
  const smtp = await new SmtpSink().start();
  await setupDatabase({ adminUrl, databaseUrl });
  try {
    const prepared: Prepared = {
      databaseUrl,
      temporalBinary: await ensureTemporalBinary((line) => process.stdout.write(`${line}\n`)),
      workflowBundlePath: await buildWorkflowBundle(path.join(ROOT, '.data', 'bench', 'workflow-bundle.js')),
      secrets: generateDevSecrets(),
    };
    process.stdout.write(`${orders} orders a round, ${rounds} rounds (medians below)\n`);
    const baseline = await measure('baseline', '', prepared, smtp.url, orders, rounds);
    const scaled = await measure('scaled', values.scaled, prepared, smtp.url, orders, rounds);
    const summary = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      orders,
      rounds,
      baseline,
      scaled,
      throughputRatio: scaled.ordersPerSecond / baseline.ordersPerSecond,
      latencyRatio: scaled.latencyMedianMs / baseline.latencyMedianMs,
    };
    for (const r of [baseline, scaled]) {
      process.stdout.write(`${r.name.padEnd(9)} (${r.replicas}): ${r.ordersPerSecond.toFixed(1)} orders/s, latency median ${r.latencyMedianMs.toFixed(0)} ms, p95 ${r.latencyP95Ms.toFixed(0)} ms\n`);
    }
    process.stdout.write(`scaled / baseline: throughput x${summary.throughputRatio.toFixed(2)}, median latency x${summary.latencyRatio.toFixed(2)}\n`);
    const out = path.join(ROOT, 'bench', 'results', `place-orders-${summary.at.replace(/[:.]/g, '-')}.json`);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`results written to ${path.relative(ROOT, out)}\n`);
  } finally {
    await smtp.stop();
    await dropDatabase(adminUrl, databaseUrl);
  }
});
