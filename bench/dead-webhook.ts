import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { WEBHOOK_EVENT_TYPES } from '../activities/notification/webhooks.contract.js';
import { ROOT } from '../dev/stack.js';
import { answers, WebhookReceiver } from '../test/support/webhook-receiver.js';
import type { TestStack } from '../test/support/stack.js';
import { realArm, type Arm } from './support/arms.js';
import { startBenchStack, type BenchStack } from './support/bench-stack.js';
import { stockedSku } from './support/catalog.js';
import { run, type RunResult } from './support/burst.js';
import { pidsNamed, type ProcessGroups } from './support/cpu.js';
import { compare, comparisonTable, cpuTable, newResults, writeResults, type Comparison } from './support/report.js';
import { stopOnInterrupt } from './support/interrupt.js';

export const deadWebhookUsage = `usage: npm run bench -- --dead-webhook [--reps 5] [--size 100] [--rate 3] [--rate-orders 45] [--payment METHOD]

Does a webhook receiver that never answers delay orders? One stack (dev server, API, five workers,
PostgreSQL, SMTP on loopback; WEBHOOK_ALLOW_LOOPBACK=true, the default retry settings) and one
receiver on loopback that accepts every connection and never answers. Each repetition runs both
arms, in alternating order (baseline first in even repetitions, dead-webhook first in odd ones):
  baseline      no webhook subscription
  dead-webhook  the receiver subscribed (POST /webhooks, as an admin) to every event type just
                before the run, deleted (DELETE /webhooks/{id}) once it is measured; the next run
                starts when every connection the receiver held was closed by its sender
with two scenarios each: a burst of --size orders at once, and --rate-orders orders at a fixed
--rate per second (latency without queueing). Measured to CONFIRMED as \`npm run bench\` does
(from each order's history); CPU per order by process. Ratios dead-webhook ÷ baseline, paired
repetition by repetition; medians (min–max). Writes bench/results/dead-webhook-*.{json,md}.`;

type Scenario = { name: string; orders: number; ratePerSecond?: number };

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
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const receiver = await new WebhookReceiver('/dead').start();
  receiver.answerWith(answers.never());
  const stopReceiver = stopOnInterrupt(() => receiver.stop());
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
      'bench client (HTTP, SMTP sink, payment sandbox, dead receiver)': [process.pid],
    };
    const arms = {
      baseline: realArm(stack, 'baseline', `no webhook subscription${payment ? `; every order paid with ${payment.method}` : ''}`, payment),
      'dead-webhook': realArm(stack, 'dead-webhook', `a receiver that accepts connections and never answers, subscribed to every event type (${WEBHOOK_EVENT_TYPES.length})${payment ? `; every order paid with ${payment.method}` : ''}`, payment),
    } satisfies Record<string, Arm>;

    const results: RunResult[] = [];
    const attemptsSeen: Array<{ rep: number; scenario: string; requests: number }> = [];
    const total = 2 + reps * scenarios.length * 2;
    let done = 0;
    const record = async (arm: Arm, scenario: Scenario, rep: number, keep = true) => {
      const sku = await stockedSku(stack, admin, scenario.orders, 'DEADWH');
      const subscription = arm.name === 'dead-webhook' ? await subscribe(stack, admin, receiver.url) : undefined;
      const before = receiver.requests.length;
      const result = await run(arm, { scenario: scenario.name, orders: scenario.orders, lines: () => [{ sku, quantity: 1 }], groups, ...(scenario.ratePerSecond && { ratePerSecond: scenario.ratePerSecond }) });
      const requests = receiver.requests.length - before;
      if (subscription) {
        await unsubscribe(stack, admin, subscription);
        if (keep) attemptsSeen.push({ rep, scenario: scenario.name, requests });
        // The senders give up on the held requests (the attempt's timeout); the next run starts with none open.
        await receiver.until((all) => all.every((request) => request.answer !== 'held'), 120_000, 'every held request closed by its sender');
      }
      done++;
      say(
        `[${done}/${total}] ${scenario.name.padEnd(10)} ${arm.name.padEnd(12)} ${result.ordersPerSecond.toFixed(1).padStart(5)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s, p99 ${(result.p99Ms / 1000).toFixed(2)} s, ` +
          `CPU ${result.cpuMsPerOrderTotal.toFixed(0)} ms/order${subscription ? `, ${requests} requests held by the dead receiver` : ''}${keep ? '' : ' (warm-up)'}`,
      );
      if (keep) results.push(result);
    };

    for (const arm of Object.values(arms)) await record(arm, { name: 'warm-up', orders: 20 }, -1, false);
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? [arms.baseline, arms['dead-webhook']] : [arms['dead-webhook'], arms.baseline];
      for (const scenario of scenarios) for (const arm of order) await record(arm, scenario, rep);
    }

    const comparisons = scenarios.map((scenario) => compare(results, scenario.name, 'dead-webhook', 'baseline')).filter((c): c is Comparison => c !== undefined);
    const { at, base, machine } = await newResults('dead-webhook');
    const commit = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const markdown = [
      `# A webhook receiver that never answers, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}; code ${commit}; Temporal dev server; ${reps} repetition(s), arms alternating, medians (min–max), ratios paired repetition by repetition.`,
      '',
      ...Object.values(arms).map((arm) => `- **${arm.name}**: ${arm.description}`),
      '',
      comparisonTable(comparisons),
      '',
      `Requests the dead receiver was sent (and held) during each dead-webhook run: ${attemptsSeen.map((a) => `${a.scenario} #${a.rep + 1}: ${a.requests}`).join('; ')}.`,
      '',
      ...scenarios.flatMap((scenario) => [`CPU-ms per order by process, ${scenario.name}:`, '', cpuTable(results, scenario.name, ['baseline', 'dead-webhook']), '']),
    ].join('\n');
    await writeResults(base, { at, commit, machine, reps, scenarios, arms: Object.fromEntries(Object.values(arms).map((arm) => [arm.name, arm.description])), comparisons, attemptsSeen, results }, markdown, say);
  } finally {
    await bench?.stop();
    await stopReceiver();
  }
}

async function subscribe(stack: TestStack, admin: string, url: string): Promise<string> {
  const created = await stack.request('POST', '/webhooks', { token: admin, body: { url, events: [...WEBHOOK_EVENT_TYPES], description: 'bench: a receiver that never answers' } });
  if (created.status !== 201) throw new Error(`POST /webhooks answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.subscriptionId as string;
}

async function unsubscribe(stack: TestStack, admin: string, subscriptionId: string): Promise<void> {
  const deleted = await stack.request('DELETE', `/webhooks/${subscriptionId}`, { token: admin });
  if (deleted.status >= 300) throw new Error(`DELETE /webhooks/${subscriptionId} answered ${deleted.status}: ${JSON.stringify(deleted.body)}`);
}
