import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { WEBHOOK_EVENT_TYPES } from '../activities/notification/webhooks.contract.js';
import { ROOT } from '../dev/stack.js';
import { answers, WebhookReceiver } from '../test/support/webhook-receiver.js';
import type { TestStack } from '../test/support/stack.js';
import { realArm, type Arm, type ArmName } from './support/arms.js';
import { startBenchStack, type BenchStack } from './support/bench-stack.js';
import { stockedSku } from './support/catalog.js';
import { run, type RunResult } from './support/burst.js';
import { pidsNamed, type ProcessGroups } from './support/cpu.js';
import { compare, comparisonTable, cpuTable, newResults, writeResults, type Comparison } from './support/report.js';
import { stopOnInterrupt } from './support/interrupt.js';
import { percentile, spread } from './support/stats.js';

export const deadWebhookUsage = `usage: npm run bench -- --dead-webhook [--reps 5] [--size 100] [--rate 3] [--rate-orders 45] [--payment METHOD]

Does a webhook receiver that never answers delay orders? One stack (dev server, API, five workers,
PostgreSQL, SMTP on loopback; WEBHOOK_ALLOW_LOOPBACK=true, the default retry settings) and two
receivers on loopback. Each repetition runs three arms, their order rotating from one repetition
to the next:
  baseline      no webhook subscription
  dead-webhook  a receiver that accepts every connection and never answers, subscribed (POST
                /webhooks, as an admin) to every event type just before the run and deleted
                (DELETE /webhooks/{id}) once it is measured; the next run starts when every
                connection it held was closed by its sender (the attempt's timeout)
  live-webhook  a receiver answering 200 at once, subscribed the same way, deleted once it has
                every order's two events (placed, confirmed): what webhooks cost when they work
with two scenarios each: a burst of --size orders at once, and --rate-orders orders at a fixed
--rate per second (latency without queueing). Measured to CONFIRMED as \`npm run bench\` does
(from each order's history); CPU per order by process. Ratios against the baseline, paired
repetition by repetition; medians (min–max). The live receiver's delay (the event's time to its
arrival) is reported too. Writes bench/results/dead-webhook-*.{json,md}.`;

type Scenario = { name: string; orders: number; ratePerSecond?: number };
type WebhookArm = Extract<ArmName, 'baseline' | 'dead-webhook' | 'live-webhook'>;

export async function runDeadWebhook(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'dead-webhook': { type: 'boolean', default: true },
      reps: { type: 'string', default: '5' },
      size: { type: 'string', default: '100' },
      rate: { type: 'string', default: '3' },
      'rate-orders': { type: 'string', default: '45' },
      payment: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${deadWebhookUsage}\n`);
  const reps = Number(values.reps);
  const rate = Number(values.rate);
  const scenarios: Scenario[] = [
    { name: `burst-${values.size}`, orders: Number(values.size) },
    { name: `rate-${rate}/s`, orders: Number(values['rate-orders']), ratePerSecond: rate },
  ];
  const payment = values.payment === undefined ? undefined : { method: values.payment };
  const paid = payment ? `; every order paid with ${payment.method}` : '';
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const dead = await new WebhookReceiver('/dead').start();
  dead.answerWith(answers.never());
  const live = await new WebhookReceiver('/live').start();
  const stopReceivers = stopOnInterrupt(async () => void (await Promise.all([dead.stop(), live.stop()])));
  let bench: BenchStack | undefined;
  try {
    say('starting the system (dev server, API, five workers) with WEBHOOK_ALLOW_LOOPBACK=true');
    bench = await startBenchStack(say, {
      name: 'bench-dead-webhook',
      env: { ORDER_CANCELLATION_WINDOW: '1ms', RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000', WEBHOOK_ALLOW_LOOPBACK: 'true' },
    });
    const { stack } = bench;
    const admin = await stack.token('bench-admin', ['admin']);
    const groups: ProcessGroups = {
      'temporal server': [stack.server.child.pid!],
      api: [stack.app.api.child.pid!],
      ...Object.fromEntries([...stack.app.workers].map(([name, worker]) => [`worker ${name}`, [worker.child.pid!]])),
      postgres: () => pidsNamed('postgres'),
      'bench client (HTTP, SMTP sink, payment sandbox, receivers)': [process.pid],
    };
    const arms: Record<WebhookArm, Arm> = {
      baseline: realArm(stack, 'baseline', `no webhook subscription${paid}`, payment),
      'dead-webhook': realArm(stack, 'dead-webhook', `a receiver that accepts connections and never answers, subscribed to every event type (${WEBHOOK_EVENT_TYPES.length})${paid}`, payment),
      'live-webhook': realArm(stack, 'live-webhook', `a receiver that answers 200 at once, subscribed to every event type${paid}`, payment),
    };
    const rotation: WebhookArm[] = ['baseline', 'dead-webhook', 'live-webhook'];

    const results: RunResult[] = [];
    const held: Array<{ rep: number; scenario: string; requests: number }> = [];
    const liveDelays: Array<{ rep: number; scenario: string; p50Ms: number; p99Ms: number; maxMs: number }> = [];
    const total = rotation.length * (1 + reps * scenarios.length);
    let done = 0;
    const record = async (name: WebhookArm, scenario: Scenario, rep: number, keep = true) => {
      const sku = await stockedSku(stack, admin, scenario.orders, 'DEADWH');
      const receiver = name === 'dead-webhook' ? dead : name === 'live-webhook' ? live : undefined;
      const subscription = receiver && (await subscribe(stack, admin, receiver));
      const before = receiver?.requests.length ?? 0;
      const result = await run(arms[name], { scenario: scenario.name, orders: scenario.orders, lines: () => [{ sku, quantity: 1 }], groups, ...(scenario.ratePerSecond && { ratePerSecond: scenario.ratePerSecond }) });
      let note = '';
      if (receiver === dead && subscription) {
        const requests = dead.requests.length - before;
        await unsubscribe(stack, admin, subscription);
        if (keep) held.push({ rep, scenario: scenario.name, requests });
        note = `, ${requests} requests held by the dead receiver during the run`;
        // The senders give up on the held requests (the attempt's timeout); the next run starts with none open.
        await dead.until((all) => all.every((request) => request.answer !== 'held'), 120_000, 'every held request closed by its sender');
      }
      if (receiver === live && subscription) {
        // Every order's placed and confirmed events delivered, then the subscription goes.
        await live.until((all) => all.length - before >= 2 * scenario.orders, 120_000, 'every order\'s two events delivered');
        await unsubscribe(stack, admin, subscription);
        const delays = live.requests.slice(before).map((request) => request.receivedAt - Date.parse((request.payload as { timestamp: string }).timestamp));
        const delay = { rep, scenario: scenario.name, p50Ms: percentile(delays, 0.5), p99Ms: percentile(delays, 0.99), maxMs: Math.max(...delays) };
        if (keep) liveDelays.push(delay);
        note = `, the live receiver got each event ${(delay.p50Ms / 1000).toFixed(2)} s after it (p50), ${(delay.p99Ms / 1000).toFixed(2)} s (p99)`;
      }
      done++;
      say(
        `[${done}/${total}] ${scenario.name.padEnd(10)} ${name.padEnd(12)} ${result.ordersPerSecond.toFixed(1).padStart(5)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s, p99 ${(result.p99Ms / 1000).toFixed(2)} s, ` +
          `CPU ${result.cpuMsPerOrderTotal.toFixed(0)} ms/order${note}${keep ? '' : ' (warm-up)'}`,
      );
      if (keep) results.push(result);
    };

    for (const name of rotation) await record(name, { name: 'warm-up', orders: 20 }, -1, false);
    for (let rep = 0; rep < reps; rep++) {
      const order = rotation.map((_, i) => rotation[(i + rep) % rotation.length]!);
      for (const scenario of scenarios) for (const name of order) await record(name, scenario, rep);
    }

    const comparisons = scenarios
      .flatMap((scenario) => [compare(results, scenario.name, 'dead-webhook', 'baseline'), compare(results, scenario.name, 'live-webhook', 'baseline'), compare(results, scenario.name, 'dead-webhook', 'live-webhook')])
      .filter((c): c is Comparison => c !== undefined);
    const { at, base, machine } = await newResults('dead-webhook');
    const commit = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    const delayRows = scenarios.map((scenario) => {
      const of = liveDelays.filter((delay) => delay.scenario === scenario.name);
      const p50 = spread(of.map((delay) => delay.p50Ms));
      const p99 = spread(of.map((delay) => delay.p99Ms));
      return `| ${scenario.name} | ${seconds(p50.median)} (${seconds(p50.min)}–${seconds(p50.max)}) | ${seconds(p99.median)} (${seconds(p99.min)}–${seconds(p99.max)}) |`;
    });
    const markdown = [
      `# A webhook receiver that never answers, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}; code ${commit}; Temporal dev server; ${reps} repetition(s), arms rotating, medians (min–max), ratios paired repetition by repetition.`,
      '',
      ...Object.values(arms).map((arm) => `- **${arm.name}**: ${arm.description}`),
      '',
      comparisonTable(comparisons),
      '',
      `Requests the dead receiver was sent (and held) during each dead-webhook run: ${held.map((h) => `${h.scenario} #${h.rep + 1}: ${h.requests}`).join('; ')}.`,
      '',
      'The live receiver: from each event\'s time to its arrival, medians over repetitions of each run\'s p50 and p99 (s):',
      '',
      '| scenario | p50 | p99 |',
      '|---|---|---|',
      ...delayRows,
      '',
      ...scenarios.flatMap((scenario) => [`CPU-ms per order by process, ${scenario.name}:`, '', cpuTable(results, scenario.name, rotation), '']),
    ].join('\n');
    await writeResults(base, { at, commit, machine, reps, scenarios, arms: Object.fromEntries(Object.values(arms).map((arm) => [arm.name, arm.description])), comparisons, held, liveDelays, results }, markdown, say);
  } finally {
    await bench?.stop();
    await stopReceivers();
  }
}

async function subscribe(stack: TestStack, admin: string, receiver: WebhookReceiver): Promise<string> {
  const created = await stack.request('POST', '/webhooks', { token: admin, body: { url: receiver.url, events: [...WEBHOOK_EVENT_TYPES], description: 'bench receiver' } });
  if (created.status !== 201) throw new Error(`POST /webhooks answered ${created.status}: ${JSON.stringify(created.body)}`);
  receiver.setSecret(created.body.secret as string);
  return created.body.subscriptionId as string;
}

async function unsubscribe(stack: TestStack, admin: string, subscriptionId: string): Promise<void> {
  const deleted = await stack.request('DELETE', `/webhooks/${subscriptionId}`, { token: admin });
  if (deleted.status >= 300) throw new Error(`DELETE /webhooks/${subscriptionId} answered ${deleted.status}: ${JSON.stringify(deleted.body)}`);
}
