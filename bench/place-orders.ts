import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { OrderLineInput } from '../activities/order/contract.js';
import { SERVICES } from '../common/config.js';
import { TASK_QUEUES } from '../workers/task-queues.js';
import { runMain } from '../common/main.js';
import { registerNamespace } from '../dev/cluster/temporal-cluster.js';
import { startTsProcess, type ManagedProcess } from '../dev/processes.js';
import { ROOT } from '../dev/stack.js';
import { realArm, twinArm, type Arm, type ArmName } from './support/arms.js';
import { CLUSTER_APP_ENV, clusterTemporal, startBenchCluster, type BenchCluster } from './support/bench-cluster.js';
import { stockedSku } from './support/catalog.js';
import { startBenchStack, type BenchStack } from './support/bench-stack.js';
import { stopOnInterrupt } from './support/interrupt.js';
import { run, type RunResult } from './support/burst.js';
import { pidsNamed, type ProcessGroups } from './support/cpu.js';
import { latencyCdf, throughputOverTime, writePng } from './support/plots.js';
import { compare, comparisonTable, cpuTable, newResults, type Comparison } from './support/report.js';
import { median } from './support/stats.js';
import { runSoak } from './soak.js';
import { runDeadWebhook } from './dead-webhook.js';
import { bundleTwins } from './twin/bundle.js';

const usage = `usage: npm run bench -- [--reps 3] [--sizes 100,200] [--quick] [--cluster]
       npm run bench -- soak [--rate 4] [--minutes 30]   (sustained load; --help for more)
       npm run bench -- --dead-webhook [--reps 5]   (a webhook receiver that never answers against none; --help for more)

Runs the whole system (API, five workers, dev server, PostgreSQL, SMTP on loopback) beside two
no-op twins on the same Temporal server, and compares them run by run:
  twin    the real PlaceOrder code on activities that return at once (Temporal's floor for the
          saga as it is now: the ratio follows the saga when it changes)
  twin-5  the saga's shape frozen as of 2026-11-26 (five activities in a row): the floor we started from
Scenarios: bursts (--sizes) interleaved real / twin / twin-5, --reps times after a warm-up; a
fixed arrival rate at half the twin's saturation; a hot SKU against a spread of SKUs; orders
of 1, 5 and 20 lines. Writes JSON, Markdown and PNG plots to bench/results/.
--quick: one repetition of bursts of 50, short scenarios (a smoke run of the benchmark itself).
--cluster: on cluster mode's Temporal (two server nodes on PostgreSQL behind HAProxy, mTLS; its own
databases and certificates) instead of the dev server.`;

const TWIN_NAMESPACE = 'twin';

runMain(async () => {
  if (process.argv[2] === 'soak') return runSoak(process.argv.slice(3));
  if (process.argv.includes('--dead-webhook')) return runDeadWebhook(process.argv.slice(2));
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '3' },
      sizes: { type: 'string', default: '100,200' },
      quick: { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const quick = values.quick;
  const reps = quick ? 1 : Number(values.reps);
  const sizes = quick ? [50] : values.sizes.split(',').map(Number);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const twins: ManagedProcess[] = [];
  let bench: BenchStack | undefined;
  let temporalCluster: BenchCluster | undefined;
  let twinConnection: Connection | undefined;
  try {
    if (values.cluster) {
      say('starting cluster mode\'s Temporal: two nodes, HAProxy, mTLS');
      temporalCluster = await startBenchCluster(say);
    }
    const cluster = temporalCluster?.cluster;
    const twinBundlePath = await bundleTwins(path.join(ROOT, '.data', 'bench', 'twin-bundle.js'));
    say(`starting the system (${cluster ? 'on the cluster' : 'dev server'}, API, ${SERVICES.length} workers) and the twins' ${SERVICES.length} workers`);
    bench = await startBenchStack(say, {
      name: 'bench',
      // Production's log level; nothing else limits the benchmark's customers and admin.
      env: { ORDER_CANCELLATION_WINDOW: '1ms', RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000', ...(cluster && CLUSTER_APP_ENV) },
      ...(cluster && { temporal: clusterTemporal(cluster) }),
    });
    const { stack } = bench;
    const connectionOptions = cluster ? cluster.connectionOptions() : { address: stack.temporalAddress };
    await registerNamespace(connectionOptions, TWIN_NAMESPACE);
    const twinEnv = { ...process.env, ...cluster?.clientEnv, TEMPORAL_ADDRESS: stack.temporalAddress, TWIN_NAMESPACE, TWIN_BUNDLE_PATH: twinBundlePath };
    for (const service of SERVICES) {
      twins.push(startTsProcess({ name: `twin-${service}`, entry: path.join(ROOT, 'bench', 'twin', 'worker.ts'), env: { ...twinEnv, TWIN_SERVICE: service }, cwd: ROOT, onLine: (line) => say(`twin-${service}| ${line}`) }));
    }
    // The twins run in process groups of their own: a Ctrl-C reaches them only through this.
    stopOnInterrupt(async () => void (await Promise.all(twins.map((twin) => twin.stop(5_000)))));
    twinConnection = await Connection.connect(connectionOptions);
    const twinClient = new Client({ connection: twinConnection, namespace: TWIN_NAMESPACE });
    await untilTwinsPoll(twinClient, twins);

    const arms: Record<Exclude<ArmName, 'baseline' | 'dead-webhook' | 'live-webhook'>, Arm> = {
      real: realArm(stack),
      twin: twinArm('twin', 'PlaceOrder', twinClient, 'the real PlaceOrder code on no-op activities, bare workflow.start'),
      'twin-5': twinArm('twin-5', 'FiveActivityTwin', twinClient, 'the saga\'s shape of 2026-11-26 (five activities in a row) on no-op activities'),
    };
    const groups: ProcessGroups = {
      ...(cluster
        ? { 'temporal nodes': cluster.nodes.map((node) => node.child.pid!), 'load balancer (HAProxy)': [cluster.loadBalancer.child.pid!] }
        : { 'temporal server': [stack.server.child.pid!] }),
      api: [stack.app.api.child.pid!],
      ...Object.fromEntries([...stack.app.workers].map(([name, worker]) => [`worker ${name}`, [worker.child.pid!]])),
      'twin workers': twins.map((twin) => twin.child.pid!),
      postgres: () => pidsNamed('postgres'),
      'bench client (HTTP, SMTP sink)': [process.pid],
    };

    const admin = await stack.token('bench-admin', ['admin']);
    const product = (stock: number) => stockedSku(stack, admin, stock);
    const oneSku = async (orders: number) => {
      const sku = await product(orders);
      return () => [{ sku, quantity: 1 }];
    };

    const results: RunResult[] = [];
    const plan: string[] = [];
    let done = 0;
    const record = async (arm: keyof typeof arms, scenario: string, orders: number, lines: (i: number) => OrderLineInput[], ratePerSecond?: number, keep = true) => {
      const result = await run(arms[arm], { scenario, orders, lines, groups, ...(ratePerSecond && { ratePerSecond }) });
      done++;
      say(
        `[${done}/${plan.length}] ${scenario.padEnd(22)} ${arm.padEnd(6)} ${result.ordersPerSecond.toFixed(1).padStart(5)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s, p99 ${(result.p99Ms / 1000).toFixed(2)} s, ` +
          `accepted in ${result.acceptP50Ms.toFixed(0)} ms (p50), CPU ${result.cpuMsPerOrderTotal.toFixed(0)} ms/order${keep ? '' : ' (warm-up, not counted)'}`,
      );
      if (keep) results.push(result);
      return result;
    };

    const armOrder: Array<keyof typeof arms> = ['real', 'twin', 'twin-5'];
    // The plan, for the progress count.
    plan.push(...armOrder.map(() => 'warm-up'));
    for (let rep = 0; rep < reps; rep++) for (const size of sizes) plan.push(...armOrder.map(() => `burst-${size}`));
    plan.push('rate-real', 'rate-twin', ...Array(quick ? 2 : 4).fill('hot/spread'), ...[1, 5, 20].flatMap(() => ['lines-real', 'lines-twin']));
    say(`${plan.length} runs: ${reps} repetition(s) of bursts of ${sizes.join(' and ')}, interleaved ${armOrder.join(' / ')}, then the other scenarios`);

    for (const arm of armOrder) await record(arm, 'warm-up', 20, await oneSku(20), undefined, false);
    for (let rep = 0; rep < reps; rep++) {
      for (const size of sizes) {
        for (const arm of armOrder) await record(arm, `burst-${size}`, size, await oneSku(size));
      }
    }

    // Latency without queueing: a fixed arrival rate at half of what the twin sustains.
    const twinSaturation = median(results.filter((r) => r.arm === 'twin' && r.scenario === `burst-${sizes[0]}`).map((r) => r.ordersPerSecond));
    const rate = Math.max(1, Math.round(10 * twinSaturation * 0.5) / 10);
    const rateOrders = Math.max(20, Math.round(rate * (quick ? 10 : 30)));
    for (const arm of ['real', 'twin'] as const) await record(arm, `rate-${rate}/s`, rateOrders, await oneSku(rateOrders), rate);

    // One hot SKU against every order on its own SKU.
    const hotOrders = quick ? 50 : 100;
    for (let rep = 0; rep < (quick ? 1 : 2); rep++) {
      await record('real', `hot-sku-${hotOrders}`, hotOrders, await oneSku(hotOrders));
      const skus = await Promise.all(Array.from({ length: hotOrders }, () => product(1)));
      await record('real', `spread-${hotOrders}`, hotOrders, (i) => [{ sku: skus[i]!, quantity: 1 }]);
    }

    // Bigger orders: the same SKUs on every order, each line one item.
    const lineOrders = quick ? 20 : 50;
    for (const count of [1, 5, 20]) {
      const skus = await Promise.all(Array.from({ length: count }, () => product(lineOrders)));
      const lines = () => skus.map((sku) => ({ sku, quantity: 1 }));
      for (const arm of ['real', 'twin'] as const) await record(arm, `lines-${count}`, lineOrders, lines);
    }

    const comparisons = [
      ...sizes.flatMap((size) => [compare(results, `burst-${size}`, 'real', 'twin'), compare(results, `burst-${size}`, 'real', 'twin-5'), compare(results, `burst-${size}`, 'twin', 'twin-5')]),
      compare(results, `rate-${rate}/s`, 'real', 'twin'),
      ...[1, 5, 20].map((count) => compare(results, `lines-${count}`, 'real', 'twin')),
    ].filter((c): c is Comparison => c !== undefined);
    const hot = median(results.filter((r) => r.scenario === `hot-sku-${hotOrders}`).map((r) => r.ordersPerSecond));
    const spreadRate = median(results.filter((r) => r.scenario === `spread-${hotOrders}`).map((r) => r.ordersPerSecond));

    const { at, base, machine } = await newResults(`place-orders${values.cluster ? '-cluster' : ''}`);
    const commit = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const summary = { at, commit, machine, temporal: values.cluster ? 'cluster' : 'dev server', reps, sizes, arms: Object.fromEntries(Object.values(arms).map((arm) => [arm.name, arm.description])), comparisons, hotSku: { hot, spread: spreadRate, ratio: hot / spreadRate }, results };
    await writeFile(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);

    const first = `burst-${sizes[0]}`;
    const pooled = (arm: ArmName, scenario: string) => results.filter((r) => r.arm === arm && r.scenario === scenario).flatMap((r) => r.latenciesMs);
    await writePng(`${base}-latency-cdf.png`, latencyCdf(`Send to CONFIRMED, bursts of ${sizes[0]} (all repetitions)`, Object.fromEntries(armOrder.map((arm) => [arm, pooled(arm, first)]))));
    const last = `burst-${sizes.at(-1)}`;
    const lastRun = (arm: ArmName) => results.filter((r) => r.arm === arm && r.scenario === last).at(-1)?.confirmedAfterMs ?? [];
    await writePng(`${base}-throughput.png`, throughputOverTime(`Orders CONFIRMED per second, a burst of ${sizes.at(-1)} (last repetition)`, Object.fromEntries(armOrder.map((arm) => [arm, lastRun(arm)]))));

    const markdown = [
      `# place-orders benchmark, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}; code ${commit}; ${values.cluster ? 'Temporal in cluster mode (two nodes on PostgreSQL, HAProxy, mTLS)' : 'Temporal dev server'}; ${reps} repetition(s), medians (min–max); ratios are paired run by run.`,
      '',
      ...Object.values(arms).map((arm) => `- **${arm.name}**: ${arm.description}`),
      '',
      comparisonTable(comparisons),
      '',
      `Hot SKU ÷ spread (${hotOrders} orders on one SKU, against each on its own): ${hot.toFixed(1)} ÷ ${spreadRate.toFixed(1)} orders/s = **${(hot / spreadRate).toFixed(2)}**`,
      '',
      `CPU-ms per order by process, bursts of ${sizes.at(-1)}:`,
      '',
      cpuTable(results, last, armOrder),
      '',
      `![latency CDF](${path.basename(base)}-latency-cdf.png)`,
      `![throughput over time](${path.basename(base)}-throughput.png)`,
      '',
    ].join('\n');
    await writeFile(`${base}.md`, markdown);
    say(`\n${markdown}`);
    say(`written: ${path.relative(ROOT, base)}.{json,md}, -latency-cdf.png, -throughput.png`);
  } finally {
    await Promise.all(twins.map((twin) => twin.stop(5_000)));
    await twinConnection?.close();
    await bench?.stop();
    await temporalCluster?.stop();
  }
});

/** Until every twin task queue has a poller: the new namespace reached the server's cache, and the twins run. */
async function untilTwinsPoll(client: Client, twins: ManagedProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const queues = [...SERVICES.map((service) => ({ name: TASK_QUEUES[service], type: 2 })), { name: TASK_QUEUES.order, type: 1 }]; // ACTIVITY, WORKFLOW
  for (const queue of queues) {
    for (;;) {
      const gone = twins.find((twin) => twin.child.exitCode !== null);
      if (gone) throw new Error(`${gone.name} exited (code ${gone.child.exitCode})`);
      const pollers = await client.workflowService
        .describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: queue.name }, taskQueueType: queue.type })
        .then((answer) => answer.pollers?.length ?? 0, () => 0);
      if (pollers > 0) break;
      if (Date.now() > deadline) throw new Error(`no twin worker polls ${queue.name} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
