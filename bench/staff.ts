import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setupDatabase } from '../cli/database-setup.js';
import { runMain } from '../common/main.js';
import { generateDevSecrets } from '../dev/secrets.js';
import { ROOT } from '../dev/stack.js';
import { ensureTemporalBinary } from '../dev/temporal-binary.js';
import { TestStack } from '../test/support/stack.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';
import { ADMIN_URL } from './support/bench-stack.js';
import { stockedSku } from './support/catalog.js';
import { checkout, checkoutBundle, checkoutSetupDatabase } from './support/checkout.js';
import { newResults, writeResults } from './support/report.js';
import { sideBySide } from './support/side-by-side.js';
import { median, type Spread, spread } from './support/stats.js';

/** The commit before task priority (issue 23, part 3): the default baseline. */
const BEFORE_PRIORITY = 'b62cf13';

const usage = `usage: npm run bench:staff -- [--baseline <git ref>] [--reps 3] [--orders 200] [--customers 20]

Staff requests during a burst of orders, before and after: the system as committed at <ref> (default
${BEFORE_PRIORITY}, the commit before task priority, its dev server without the priority-enabled
matcher, as that commit ran it) beside this checkout, each on its own stack (dev server, API, four
workers; one PostgreSQL), interleaved --reps times. Each repetition places --orders orders at once
through POST /orders over --customers customers, and during the burst, at spread-out moments, sends
staff requests: POST /products (a new SKU with stock), a stock adjustment of the burst's SKU, and a
cancel of an order CONFIRMED before the burst (the cancellation window is 1 h, so that it is still
open). Each request's wall time and status are recorded (a 503 counts, and is reported); the same
requests with no burst are the idle reference. Medians (min–max), ratios current ÷ baseline; Markdown
and JSON to bench/results/staff-*.`;

type Side = 'baseline' | 'current';
type Action = 'POST /products' | 'stock adjustment' | 'cancel';
const ACTIONS: Action[] = ['POST /products', 'stock adjustment', 'cancel'];
type Phase = 'idle' | 'burst';

interface StaffSample {
  side: Side;
  rep: number;
  phase: Phase;
  action: Action;
  /** When it was sent, ms after the burst's first order (idle: after the idle round began). */
  atMs: number;
  ms: number;
  status: number;
}

interface BurstResult {
  side: Side;
  rep: number;
  /** The burst's first send to its last order decided (no order PENDING), s. */
  decidedS: number;
  /** Orders accepted (202). */
  accepted: number;
}

/** When, after the burst's first order, each round of the three staff requests leaves (one request a second within a round). */
const ROUNDS_AT_MS = [500, 4_500, 8_500];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

runMain(async () => {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string', default: BEFORE_PRIORITY },
      reps: { type: 'string', default: '3' },
      orders: { type: 'string', default: '200' },
      customers: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const reps = Number(values.reps);
  const orders = Number(values.orders);
  const customers = Number(values.customers);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const baseline = await checkout(values.baseline);
  const head = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  say(`baseline ${values.baseline} = ${baseline.sha.slice(0, 8)}; current: this checkout, ${head}`);
  const { databases, smtp, stacks, stopAll } = await sideBySide('staff');
  try {
    const temporalBinary = await ensureTemporalBinary(say);
    const env = { ORDER_CANCELLATION_WINDOW: '1h', RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000', DATABASE_POOL_MAX: '4' };
    // The baseline's database as its own code migrates it (see checkoutSetupDatabase).
    await checkoutSetupDatabase(baseline.dir, ADMIN_URL, databases[0]);
    await setupDatabase({ adminUrl: ADMIN_URL, databaseUrl: databases[1] });
    say('starting two stacks: the baseline\'s and the current one');
    const bundles = await Promise.all([
      checkoutBundle(baseline.dir, path.join(ROOT, '.data', 'bench', 'staff-baseline-bundle.js')),
      buildWorkflowBundle(path.join(ROOT, '.data', 'bench', 'staff-current-bundle.js')),
    ]);
    const sides: Side[] = ['baseline', 'current'];
    for (const [i, side] of sides.entries()) {
      stacks.push(
        await TestStack.start({
          name: `staff-${side}`,
          smtpUrl: smtp.url,
          prepared: { databaseUrl: databases[i]!, temporalBinary, workflowBundlePath: bundles[i]!, secrets: generateDevSecrets() },
          env,
          // The baseline's dev server as its commit started it: FIFO task queues.
          ...(side === 'baseline' && { root: baseline.dir, temporalDynamicConfig: { 'matching.useNewMatcher': false } }),
        }),
      );
    }
    const stackOf = (side: Side) => stacks[sides.indexOf(side)]!;
    const admins = await Promise.all(stacks.map((stack) => stack.token('bench-admin', ['admin'])));
    const adminOf = (side: Side) => admins[sides.indexOf(side)]!;
    const buyers = await Promise.all(stacks.map((stack) => Promise.all(Array.from({ length: customers }, (_, i) => stack.token(`staff-bench-${i}`)))));
    const buyersOf = (side: Side) => buyers[sides.indexOf(side)]!;

    /** An order CONFIRMED now, to be cancelled later; its ID. */
    const confirmedOrder = async (side: Side, sku: string) => {
      const response = await stackOf(side).request('POST', '/orders', { token: buyersOf(side)[0], body: { lines: [{ sku, quantity: 1 }] }, headers: { prefer: 'wait=30' } });
      if (response.status !== 200 || response.body.status !== 'CONFIRMED') throw new Error(`an order to cancel later: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.orderId as string;
    };

    /** One staff request, timed; its status whatever it is (a 503 is a result here). */
    const staff = async (side: Side, action: Action, target: { sku: string; orderId: string }): Promise<{ ms: number; status: number }> => {
      const stack = stackOf(side);
      const token = adminOf(side);
      const started = performance.now();
      const response =
        action === 'POST /products'
          ? await stack.request('POST', '/products', { token, body: { sku: `STAFF-${randomBytes(5).toString('hex').toUpperCase()}`, name: 'Staff bench product', priceCents: 100, initialStock: 10 } })
          : action === 'stock adjustment'
            ? await stack.request('POST', `/inventory/${target.sku}/adjustments`, { token, body: { delta: 10, reason: 'staff bench restock' } })
            : await stack.request('POST', `/orders/${target.orderId}/cancel`, { token });
      return { ms: performance.now() - started, status: response.status };
    };

    /** Until no order of the stack is PENDING (every order of the burst decided). */
    const decided = async (side: Side) => {
      for (;;) {
        const { count } = await stackOf(side).client.workflow.count(`WorkflowType = 'PlaceOrder' AND OrderStatus = 'PENDING'`);
        if (count === 0) return;
        await sleep(250);
      }
    };

    const samples: StaffSample[] = [];
    const bursts: BurstResult[] = [];
    const expectedStatus: Record<Action, number> = { 'POST /products': 201, 'stock adjustment': 200, cancel: 200 };
    const note = (sample: StaffSample) => {
      samples.push(sample);
      const flag = sample.status === expectedStatus[sample.action] ? '' : ` (answered ${sample.status})`;
      say(`  ${sample.side.padEnd(8)} ${sample.phase.padEnd(5)} ${sample.action.padEnd(16)} at ${(sample.atMs / 1000).toFixed(1).padStart(5)} s: ${sample.ms.toFixed(0).padStart(6)} ms${flag}`);
    };

    /** The three staff requests of each round, one a second, at ROUNDS_AT_MS after `t0`. */
    const staffRounds = (side: Side, rep: number, phase: Phase, t0: number, sku: string, toCancel: string[]) =>
      ROUNDS_AT_MS.flatMap((roundAt, round) =>
        ACTIONS.map(async (action, i) => {
          const due = t0 + roundAt + i * 1_000 - performance.now();
          if (due > 0) await sleep(due);
          const atMs = performance.now() - t0;
          const { ms, status } = await staff(side, action, { sku, orderId: toCancel[round]! });
          note({ side, rep, phase, action, atMs, ms, status });
        }),
      );

    const repetition = async (side: Side, rep: number) => {
      const stack = stackOf(side);
      const sku = await stockedSku(stack, adminOf(side), orders * 2, 'STAFF');
      const toCancel: string[] = [];
      for (let i = 0; i < 2 * ROUNDS_AT_MS.length; i++) toCancel.push(await confirmedOrder(side, sku));
      // Idle reference: the same requests with nothing else running.
      await Promise.all(staffRounds(side, rep, 'idle', performance.now(), sku, toCancel.slice(0, ROUNDS_AT_MS.length)));
      // The burst, and the staff requests during it.
      const t0 = performance.now();
      const firstSend = Date.now();
      const placing = Array.from({ length: orders }, (_, i) =>
        stack.request('POST', '/orders', { token: buyersOf(side)[i % customers], body: { lines: [{ sku, quantity: 1 }] } }).then((response) => response.status),
      );
      const during = staffRounds(side, rep, 'burst', t0, sku, toCancel.slice(ROUNDS_AT_MS.length));
      const statuses = await Promise.all(placing);
      await decided(side);
      const decidedS = (Date.now() - firstSend) / 1000;
      await Promise.all(during);
      const accepted = statuses.filter((status) => status === 202).length;
      bursts.push({ side, rep, decidedS, accepted });
      say(`[rep ${rep + 1}/${reps}] ${side}: ${accepted}/${orders} orders accepted, all decided after ${decidedS.toFixed(1)} s`);
    };

    // A warm-up of each side (not recorded): the first workflows of a worker, the first bundle load.
    for (const side of sides) {
      const sku = await stockedSku(stackOf(side), adminOf(side), 50, 'WARM');
      await Promise.all(Array.from({ length: 20 }, (_, i) => stackOf(side).request('POST', '/orders', { token: buyersOf(side)[i % customers], body: { lines: [{ sku, quantity: 1 }] } })));
      await decided(side);
    }
    for (let rep = 0; rep < reps; rep++) for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) await repetition(side, rep);

    // Per action and phase: medians (min–max) of wall time over every request, answers by status.
    const of = (side: Side, phase: Phase, action: Action) => samples.filter((s) => s.side === side && s.phase === phase && s.action === action);
    const statusesOf = (list: StaffSample[]) =>
      Object.entries(list.reduce<Record<string, number>>((counts, s) => ({ ...counts, [s.status]: (counts[s.status] ?? 0) + 1 }), {}))
        .map(([status, n]) => `${n}× ${status}`)
        .join(', ');
    const rows = (['burst', 'idle'] as const).flatMap((phase) =>
      ACTIONS.map((action) => {
        const before = of('baseline', phase, action);
        const after = of('current', phase, action);
        return {
          phase,
          action,
          baseline: spread(before.map((s) => s.ms)),
          current: spread(after.map((s) => s.ms)),
          ratio: median(after.map((s) => s.ms)) / median(before.map((s) => s.ms)),
          baselineStatuses: statusesOf(before),
          currentStatuses: statusesOf(after),
          baseline503: before.filter((s) => s.status === 503).length,
          current503: after.filter((s) => s.status === 503).length,
        };
      }),
    );
    const burstOf = (side: Side) => spread(bursts.filter((b) => b.side === side).map((b) => b.decidedS));
    const seconds = ({ median: m, min, max }: Spread) => `${(m / 1000).toFixed(2)} s (${(min / 1000).toFixed(2)}–${(max / 1000).toFixed(2)})`;
    const { at, base, machine } = await newResults('staff');
    const markdown = [
      `# Staff requests during a burst, before and after task priority, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}; one dev server per stack; ${reps} repetition(s) interleaved.`,
      '',
      `- **baseline**: the system as committed at ${values.baseline} (${baseline.sha.slice(0, 8)}), its dev server without the priority-enabled matcher (as that commit ran it)`,
      `- **current**: this checkout (${head}): staff work at priority 1, the dev server with \`matching.useNewMatcher=true\``,
      '',
      `Each repetition: ${orders} orders at once through \`POST /orders\` over ${customers} customers, one SKU; during it, rounds of three staff requests at ${ROUNDS_AT_MS.map((ms) => `${ms / 1000}`).join(', ')} s after the first order (one request a second within a round): \`POST /products\` (a new SKU, stock 10), a stock adjustment (+10 on the burst's SKU), a cancel of an order CONFIRMED before the burst (window 1 h). Idle: the same rounds just before the burst. Wall time of each request at the client; medians (min–max) over every request (${reps} × ${ROUNDS_AT_MS.length} per action and side); a 503 ("taking longer than expected", after 20 s) is counted with its time.`,
      '',
      '| phase | request | baseline | current | current ÷ baseline (medians) | answers, baseline | answers, current |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.phase} | ${r.action} | ${seconds(r.baseline)} | ${seconds(r.current)} | ×${r.ratio.toFixed(2)} | ${r.baselineStatuses} | ${r.currentStatuses} |`),
      '',
      `The burst, first order to the last one decided: baseline ${burstOf('baseline').median.toFixed(1)} s (${burstOf('baseline').min.toFixed(1)}–${burstOf('baseline').max.toFixed(1)}), current ${burstOf('current').median.toFixed(1)} s (${burstOf('current').min.toFixed(1)}–${burstOf('current').max.toFixed(1)}); orders accepted: ${bursts.map((b) => `${b.side} ${b.accepted}`).join(', ')}.`,
      '',
    ].join('\n');
    await writeResults(base, { at, machine, baseline: { ref: values.baseline, sha: baseline.sha }, current: head, reps, orders, customers, roundsAtMs: ROUNDS_AT_MS, env, rows, bursts, samples }, markdown, say);
  } finally {
    await stopAll();
  }
});
