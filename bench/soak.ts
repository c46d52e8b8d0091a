import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, workerEnv, workflowEnv } from '../common/config.js';
import { ROOT } from '../dev/stack.js';
import { orderWorkflowId } from '../workflows/place-order.contract.js';
import { temporalDatabases } from '../dev/cluster/temporal-schema.js';
import { CLUSTER_APP_ENV, clusterTemporal, startBenchCluster } from './support/bench-cluster.js';
import { ADMIN_URL, startBenchStack } from './support/bench-stack.js';
import { stockedSku } from './support/catalog.js';
import { confirmedAt } from './support/confirmations.js';
import { soakOverTime, writePng } from './support/plots.js';
import { SoakClients } from './support/soak-clients.js';
import { criteriaList, evaluateCriteria, machineTable, minuteRows, minuteTable, storagePerThousand, threadTable, workflowThreadCriterion } from './support/soak-report.js';
import { stopOnInterrupt } from './support/interrupt.js';
import { startSampler } from './support/soak-sampler.js';
import { newResults } from './support/report.js';

export const soakUsage = `usage: npm run bench -- soak [--rate 4] [--minutes 30] [--cluster]

Sustained load on the whole system (API, four workers, Temporal, PostgreSQL, SMTP on loopback)
with the production cancellation window (ORDER_CANCELLATION_WINDOW, 30 minutes unless set), so
that every confirmed order stays open: orders sent at a fixed arrival rate (open loop), each read
with GET /orders/{id} every 250 ms until decided, as a client would. Every 5 s it samples each
process (RSS, CPU, file descriptors from /proc), PostgreSQL (connections, database size), Temporal's
storage, the order worker's workflow cache and heap, and Temporal's history cache.
Reports per minute, storage per 1,000 orders and issue 12's pass criteria (exit code 1 if one fails); JSON, Markdown and a PNG to bench/results/.
The environment reaches the stack: WORKER_MAX_CACHED_WORKFLOWS=… npm run bench -- soak … tries a
cache size.

--cluster: on cluster mode's Temporal (two server nodes on PostgreSQL behind HAProxy, mTLS; its own
databases and certificates, dropped afterwards) instead of the dev server; results as soak-cluster-*.`;

const SAMPLE_EVERY_MS = 5_000;
const PROGRESS_EVERY_MS = 10_000;
/** How long orders still undecided when sending ends may take before the run gives up on them. */
const DRAIN_MS = 120_000;

export async function runSoak(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { rate: { type: 'string', default: '4' }, minutes: { type: 'string', default: '30' }, cluster: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help) return void process.stdout.write(`${soakUsage}\n`);
  const rate = Number(values.rate);
  const minutes = Number(values.minutes);
  if (!(rate > 0 && rate <= 50) || !(minutes > 0 && minutes <= 24 * 60)) throw new Error(`--rate must be in (0, 50] and --minutes in (0, 1440]\n\n${soakUsage}`);
  const count = Math.round(rate * minutes * 60);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  say(`soak: ${count} orders at ${rate}/s for ${minutes} min; starting the system${values.cluster ? ' on cluster mode\'s Temporal (two nodes, HAProxy, mTLS)' : ''}`);
  const temporalCluster = values.cluster ? await startBenchCluster(say) : undefined;
  const cluster = temporalCluster?.cluster;
  const bench = await startBenchStack(say, {
    name: 'soak',
    workerEndpoints: true,
    env: { RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000', ...(cluster && CLUSTER_APP_ENV) },
    ...(cluster && { temporal: clusterTemporal(cluster) }),
  }).catch(async (error: unknown) => {
    await temporalCluster?.stop();
    throw error;
  });
  try {
    const { stack, databaseUrl } = bench;
    const admin = await stack.token('soak-admin', ['admin']);
    const sku = await stockedSku(stack, admin, count + 10, 'SOAK');
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.token(`soak-${i}`)));

    const processes = {
      ...(cluster
        ? { ...Object.fromEntries(cluster.nodes.map((node, i) => [`temporal node ${i + 1}`, node.child.pid!])), 'load balancer (HAProxy)': cluster.loadBalancer.child.pid! }
        : { 'temporal server': stack.server.child.pid! }),
      api: stack.app.api.child.pid!,
      ...Object.fromEntries([...stack.app.workers].map(([name, worker]) => [`worker ${name}`, worker.child.pid!])),
    };
    const sampler = await startSampler({
      processes,
      adminUrl: ADMIN_URL,
      databaseName: new URL(databaseUrl).pathname.slice(1),
      temporalStorage: temporalCluster ? { databases: Object.values(temporalDatabases(temporalCluster.databasePrefix)) } : { sqliteFile: stack.temporalDbFile },
      orderWorker: 'worker order-1',
      workerMetricsUrls: Object.fromEntries([...stack.app.workers.keys()].map((name) => [`worker ${name}`, `${stack.workerUrl(name)}/metrics`])),
      temporalMetricsUrls: (cluster ? cluster.metricsAddresses : [stack.temporalMetricsAddress]).map((address) => `http://${address}/metrics`),
      everyMs: SAMPLE_EVERY_MS,
    });
    // Stopped first when the run is interrupted: it would sample databases being dropped.
    const stopSampler = stopOnInterrupt(() => sampler.stop());
    const clients = new SoakClients(stack, tokens, [{ sku, quantity: 1 }]);
    const start = Date.now();
    const progress = setInterval(() => {
      const last = sampler.samples.at(-1)!;
      const elapsed = Math.round((Date.now() - start) / 1000);
      say(
        `[${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}] sent ${clients.orders.length}/${count}, decided ${clients.decided}, HTTP errors ${clients.errors.length}; ` +
          `order worker RSS ${(last.rssBytes['worker order-1']! / 2 ** 20).toFixed(0)} MiB (heap ${(last.orderWorkerHeapBytes / 2 ** 20).toFixed(0)}), ${last.cachedWorkflows} workflows cached (Temporal ${last.temporalCachedWorkflows}); PG ${last.postgresConnections} connections`,
      );
    }, PROGRESS_EVERY_MS);
    try {
      await clients.run(rate, count, DRAIN_MS);
    } finally {
      clearInterval(progress);
      await stopSampler();
    }

    say('reading when each order was CONFIRMED from its history');
    const confirmed = clients.orders.filter((order) => order.finalStatus === 'CONFIRMED');
    for (let i = 0; i < confirmed.length; i += 20) {
      // An order the API answered CONFIRMED (its row) may not have reached the workflow's own
      // CONFIRMED yet, or its history may not be readable from a struggling server: it then has
      // no latency, and the report still gets written.
      await Promise.all(confirmed.slice(i, i + 20).map(async (order) => (order.confirmedAt = await confirmedAt(stack.client, orderWorkflowId(order.orderId!)).catch(() => undefined))));
    }
    const unread = confirmed.filter((order) => order.confirmedAt === undefined).length;
    if (unread > 0) say(`${unread} orders answered CONFIRMED have no CONFIRMED in a readable history: left out of the latencies`);

    const { samples } = sampler;
    const rows = minuteRows(start, clients.orders, clients.errors, samples);
    const criteria = [...evaluateCriteria(start, minutes, clients.orders, clients.errors, samples), workflowThreadCriterion(minutes, rows)];
    const accepted = clients.orders.filter((order) => order.orderId !== undefined).length;
    const storage = storagePerThousand(samples, accepted);

    const run = await newResults(`soak${cluster ? '-cluster' : ''}`);
    const { at, base } = run;
    const machine = { ...run.machine, loadAverage: os.loadavg() };
    const orderWorker = stack.worker('order-1').env;
    const settings = {
      rate,
      minutes,
      orders: count,
      cancellationWindow: parseConfig({ workflow: workflowEnv }, orderWorker).workflow.ORDER_CANCELLATION_WINDOW,
      maxCachedWorkflows: parseConfig({ worker: workerEnv }, orderWorker).worker.WORKER_MAX_CACHED_WORKFLOWS,
      orderWorkerNodeOptions: orderWorker.NODE_OPTIONS ?? '',
      mallocArenaMax: orderWorker.MALLOC_ARENA_MAX ?? 'unset',
    };
    const rss = samples.flatMap((sample) => Object.entries(sample.rssBytes).map(([process, bytes]) => ({ minute: (sample.at - start) / 60_000, process, mib: bytes / 2 ** 20 })));
    const workerHeaps = samples.flatMap((sample) =>
      Object.entries(sample.workerHeapTotalBytes).map(([process, bytes]) => ({ minute: (sample.at - start) / 60_000, process, heapMiB: bytes / 2 ** 20, externalMiB: sample.workerExternalBytes[process]! / 2 ** 20 })),
    );
    await writeFile(
      `${base}.json`,
      `${JSON.stringify({ at, machine, settings, criteria, storageMiBPerThousandOrders: storage, minutes: rows, rss, workerHeaps, orders: clients.orders, httpErrors: clients.errors }, null, 2)}\n`,
    );
    const latencies = clients.orders.flatMap((order) => (order.confirmedAt === undefined ? [] : [{ minute: (order.sentAt - start) / 60_000, seconds: (order.confirmedAt - order.sentAt) / 1000 }]));
    await writePng(`${base}.png`, soakOverTime(`Soak at ${rate} orders/s: RSS by process, and each order's time to CONFIRMED`, rss, latencies));

    const markdown = [
      `# soak, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}, load average at the end ${machine.loadAverage.map((n) => n.toFixed(1)).join(' ')}; ${cluster ? 'Temporal in cluster mode (two nodes on PostgreSQL, HAProxy, mTLS)' : 'Temporal dev server (SQLite)'}.`,
      `Settings: ${rate} orders/s for ${minutes} min (${count} orders, one line each), cancellation window ${settings.cancellationWindow}, WORKER_MAX_CACHED_WORKFLOWS ${settings.maxCachedWorkflows}, order worker NODE_OPTIONS \`${settings.orderWorkerNodeOptions}\`, MALLOC_ARENA_MAX ${settings.mallocArenaMax}; every order polled every 250 ms until decided.`,
      'Latency: send to the CONFIRMED event in the workflow\'s history, by the minute the order was sent. RSS and the order worker\'s heap: the median of the minute\'s samples; file descriptors, connections and sizes: at the minute\'s last sample. CPU: % of one core over the minute (postgres: the backends of the run\'s database).',
      '',
      '## Pass criteria',
      '',
      criteriaList(criteria),
      '',
      `Storage per 1,000 orders: PostgreSQL ${storage.postgres.toFixed(2)} MiB, Temporal (${cluster ? 'its two PostgreSQL databases' : 'its SQLite file; the WAL beside it is bounded by checkpoints'}) ${storage.temporal.toFixed(2)} MiB.`,
      '',
      '## Per minute',
      '',
      minuteTable(rows),
      '',
      '## The order worker\'s CPU by thread',
      '',
      threadTable(rows),
      '',
      '## The machine',
      '',
      machineTable(rows),
      '',
      `![RSS and latency over time](${path.basename(base)}.png)`,
      '',
    ].join('\n');
    await writeFile(`${base}.md`, markdown);
    say(`\n${markdown}`);
    say(`written: ${path.relative(ROOT, base)}.{json,md,png}`);
    if (criteria.some((criterion) => criterion.pass === false)) process.exitCode = 1;
  } finally {
    await bench.stop();
    await temporalCluster?.stop();
  }
}
