import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { apiEnv, ConfigError, databaseEnv, parseConfig, paymentEnv, temporalEnv, workflowEnv } from '../common/config.js';
import { isLoopbackHost, parseMode } from '../common/environment.js';
import { createLogger, logFormat } from '../common/logger.js';
import { startMetricsServer } from '../api/metrics-server.js';
import { runMain } from '../common/main.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';
import { setupDatabase } from '../cli/database-setup.js';
import { liveProcesses, prefixedPrinter } from './processes.js';
import { withDevSecrets } from './secrets.js';
import { ensurePrometheus } from './prometheus-binary.js';
import { startPrometheus } from './prometheus.js';
import { seedCatalog } from './seed.js';
import { parseReplicas, ROOT, startApp, startPaymentSandboxProcess, waitForHttp } from './stack.js';
import { ensureTemporalBinary } from './temporal-binary.js';
import { startTemporalDevServer, waitForTemporal } from './temporal-server.js';
import { Supervisor } from './supervisor.js';
import { publishClusterClientEnv, withdrawClusterClientEnv } from './cluster/client-env.js';
import { CLUSTER_NODE_ADDRESSES, ensureClusterTools } from './cluster/tools.js';
import { startTemporalCluster, type TemporalCluster } from './cluster/temporal-cluster.js';

const loopbackAddress = z.string().regex(/^127(\.\d{1,3}){3}$/, 'a 127.x.y.z address');
const upEnv = z.object({
  DATABASE_ADMIN_URL: z.url().default('postgres://postgres@127.0.0.1:5432/postgres'),
  DATA_DIR: z.string().default(path.join(ROOT, '.data')),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65_535).default(8233),
  WORKER_REPLICAS: z.string().optional(),
  WORKER_METRICS_BASE_PORT: z.coerce.number().int().min(1).max(65_000).default(9464),
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).default(9462),
  PROMETHEUS_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').default('127.0.0.1:9090'),
  /** The supervisor's restart counters, for Prometheus. */
  UP_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').default('127.0.0.1:9461'),
  /** Cluster mode: one loopback address per Temporal node, and the name of Temporal's databases. */
  TEMPORAL_CLUSTER_NODES: z.string().default(CLUSTER_NODE_ADDRESSES.join(',')).transform((list) => list.split(',')).pipe(z.array(loopbackAddress).min(2).max(5)),
  TEMPORAL_CLUSTER_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/, 'a PostgreSQL database name').default('temporal'),
});

runMain(async () => {
  const { values: flags } = parseArgs({
    options: {
      replicas: { type: 'string' },
      'external-temporal': { type: 'boolean', default: false },
      observability: { type: 'boolean', default: false },
      cluster: { type: 'boolean', default: false },
    },
  });
  // Once, every group together, so that every problem is reported at once.
  const { up, temporal, database, api, workflow, payment } = parseConfig({ up: upEnv, temporal: temporalEnv, database: databaseEnv, api: apiEnv, workflow: workflowEnv, payment: paymentEnv });
  const replicas = parseReplicas(flags.replicas ?? up.WORKER_REPLICAS);
  // The sandbox listens where the payment worker is told to call it (PAYMENT_SANDBOX_URL); with
  // PAYMENT_PROVIDER=stripe (a test key) the worker calls Stripe and no sandbox runs.
  const sandbox = payment.PAYMENT_PROVIDER === 'sandbox' ? new URL(payment.PAYMENT_SANDBOX_URL) : undefined;
  const say = prefixedPrinter('up');
  const started = Date.now();

  if (parseMode() === 'production') {
    throw new ConfigError('ORDERFLOW_ENV=production: npm run up is the development stack (generated secrets, open local codec); deploy the API and workers on their own');
  }
  if (!isLoopbackHost(api.API_HOST)) {
    throw new ConfigError(`API_HOST=${api.API_HOST}: npm run up serves the development stack on loopback only`);
  }
  if (sandbox) checkSandboxAddress(sandbox, up.WORKER_METRICS_BASE_PORT, Object.values(replicas).reduce((sum, n) => sum + n, 0));
  await mkdir(up.DATA_DIR, { recursive: true });
  // Secrets generated for this install on first run (.data/dev-secrets.json) and reused after.
  const env: NodeJS.ProcessEnv = {
    ...withDevSecrets(process.env, up.DATA_DIR),
    ORDERFLOW_ENV: 'development',
    MAIL_OUTBOX_DIR: process.env.MAIL_OUTBOX_DIR ?? path.join(up.DATA_DIR, 'outbox'),
    WORKFLOW_BUNDLE_PATH: path.resolve(ROOT, workflow.WORKFLOW_BUNDLE_PATH),
    // Webhook receivers you run next to the stack listen on loopback (production refuses this).
    WEBHOOK_ALLOW_LOOPBACK: process.env.WEBHOOK_ALLOW_LOOPBACK ?? 'true',
    // The children write into pipes that end on this terminal: ask them for lines a person reads.
    ...(process.env.LOG_FORMAT === undefined && { LOG_FORMAT: logFormat(Boolean(process.stdout.isTTY)) }),
  };
  const sandboxLedger = path.join(up.DATA_DIR, 'payment-sandbox', 'ledger.jsonl');
  // The local Web UI has no login to pass a token with: it decodes through a random path that
  // only this loopback API knows.
  const codecEndpoint = `http://${api.API_HOST}:${api.API_PORT}/codec/${env.CODEC_LOCAL_PATH}`;

  if (flags.cluster && flags['external-temporal']) throw new ConfigError('--cluster and --external-temporal are two different Temporals: pick one');
  if (flags.observability) await ensurePrometheus(say);
  const clusterTools = flags.cluster ? await ensureClusterTools(say) : undefined;
  const binary = flags['external-temporal'] || flags.cluster ? undefined : await ensureTemporalBinary(say);
  say(`database ${database.DATABASE_URL}: creating schemas and roles, migrating`);
  await setupDatabase({ adminUrl: up.DATABASE_ADMIN_URL, databaseUrl: database.DATABASE_URL });
  const seeded = await seedCatalog(database.DATABASE_URL);
  if (seeded > 0) say(`seeded ${seeded} products with stock`);
  say('bundling workflows');
  await buildWorkflowBundle(env.WORKFLOW_BUNDLE_PATH!);

  const supervisor = new Supervisor(say);
  /** Temporal's own processes (dev server, or nodes, Web UI and load balancer): stopped after ours. */
  const temporalNames = new Set<string>();
  /** What the workers call (the payment sandbox): stopped after them, as they finish their calls. */
  const calledNames = new Set<string>();
  let cluster: TemporalCluster | undefined;
  let stopRingWatch = () => {};
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    supervisor.halt();
    stopRingWatch();
    say('stopping...');
    const running = supervisor.current();
    const temporalOnes = running.filter((p) => temporalNames.has(p.name));
    // Workers and API first, so they drain in-flight tasks while the server (and what they call) is still up; the load balancer last.
    await Promise.all(running.filter((p) => !temporalNames.has(p.name) && !calledNames.has(p.name)).map((p) => p.stop()));
    await Promise.all(running.filter((p) => calledNames.has(p.name)).map((p) => p.stop(5_000)));
    await Promise.all(temporalOnes.filter((p) => p.name !== 'haproxy').map((p) => p.stop(10_000)));
    await Promise.all(temporalOnes.filter((p) => p.name === 'haproxy').map((p) => p.stop(5_000)));
    await withdrawClusterClientEnv(up.DATA_DIR);
    // And whatever was still starting (a cluster node, a server not yet serving), until none is
    // left: between the last check and the exit nothing else runs, so nothing is left behind.
    while (liveProcesses().length > 0) await Promise.all(liveProcesses().map((p) => p.stop(5_000)));
    say(code === 0 ? 'stopped' : 'stopped (exit code 1)');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  // The children run in process groups of their own: a closed terminal must stop them too, and
  // writing to it now fails (EIO), which must not end the stop half-way.
  process.on('SIGHUP', () => {
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    void stopAll(0);
  });
  // A process that keeps dying on start is a fault to fix, not to retry: stop, and say which.
  const keepsDying = supervisor.gaveUp.then(({ name }) => {
    const why = `${name} keeps dying (its own lines above say why)`;
    say(`stopping everything: ${why}`);
    void stopAll(1);
    return why;
  });
  // Listening before anything starts: a port taken ends up here, with nothing to clean up.
  await once(startMetricsServer(supervisor.registry, up.UP_METRICS_ADDRESS, createLogger('up'), 'UP_METRICS_ADDRESS'), 'listening');

  const [host, port] = temporal.TEMPORAL_ADDRESS.split(':');
  const apiUrl = `http://${api.API_HOST}:${api.API_PORT}`;
  let workerAddresses: Array<{ name: string; address: string }> = [];
  // Whatever fails once processes run stops them all: nothing is left holding ports or files.
  try {
    if (clusterTools) {
      cluster = await startTemporalCluster({
        binaries: clusterTools,
        dataDir: path.join(up.DATA_DIR, 'cluster'),
        adminUrl: up.DATABASE_ADMIN_URL,
        databasePrefix: up.TEMPORAL_CLUSTER_DATABASE,
        nodeAddresses: up.TEMPORAL_CLUSTER_NODES,
        address: temporal.TEMPORAL_ADDRESS,
        namespace: temporal.TEMPORAL_NAMESPACE,
        metricsPort: up.TEMPORAL_METRICS_PORT,
        ui: { port: up.TEMPORAL_UI_PORT, codecEndpoint, namespace: temporal.TEMPORAL_NAMESPACE },
        say,
        output: (name) => prefixedPrinter(name),
      });
      const { rejoined } = cluster;
      cluster.nodes.forEach((node, index) => supervisor.supervise(node, { recovered: (restarted) => rejoined(index, restarted) }));
      for (const other of cluster.all().filter((p) => !cluster!.nodes.includes(p))) supervisor.supervise(other);
      for (const p of cluster.all()) temporalNames.add(p.name);
      stopRingWatch = cluster.watchRing(say);
      Object.assign(env, cluster.clientEnv);
      await publishClusterClientEnv(cluster.clientEnv, up.DATA_DIR);
    }
    if (binary) {
      say(`starting Temporal dev server on ${temporal.TEMPORAL_ADDRESS} (state in ${path.join(up.DATA_DIR, 'temporal.db')})`);
      const server = await startTemporalDevServer({
        binary,
        dbFile: path.join(up.DATA_DIR, 'temporal.db'),
        ip: host ?? '127.0.0.1',
        port: Number(port ?? 7233),
        uiPort: up.TEMPORAL_UI_PORT,
        namespace: temporal.TEMPORAL_NAMESPACE,
        codecEndpoint,
        metricsPort: up.TEMPORAL_METRICS_PORT,
      });
      supervisor.supervise(server, { recovered: (restarted) => waitForTemporal(temporal.TEMPORAL_ADDRESS, restarted).then(() => `serving again on ${temporal.TEMPORAL_ADDRESS}`) });
      temporalNames.add(server.name);
    }
    if (sandbox) {
      say(`starting the payment sandbox on ${sandbox.host} (ledger ${sandboxLedger})`);
      const sandboxProcess = startPaymentSandboxProcess({ address: sandbox.host, ledgerFile: sandboxLedger, env });
      supervisor.supervise(sandboxProcess);
      calledNames.add(sandboxProcess.name);
      // Serving before the payment worker starts, so that its first authorisation finds it.
      await waitForHttp(`${sandbox.origin}/health`, 30_000, sandboxProcess.exited);
      env.PAYMENT_SANDBOX_URL = sandbox.origin;
    }
    const app = startApp({ env, replicas, metricsPorts: (n) => ({ endpoint: up.WORKER_METRICS_BASE_PORT + n, sdk: up.WORKER_METRICS_BASE_PORT + 100 + n }) });
    for (const p of app.all()) supervisor.supervise(p);

    // The API may die and come back while it starts; one that keeps dying ends the wait.
    await Promise.race([waitForHttp(`${apiUrl}/readyz`, 90_000), keepsDying.then((why) => Promise.reject(new Error(why)))]);
    workerAddresses = [...app.workers.values()].map((worker) => ({ name: worker.name, address: worker.env.WORKER_METRICS_ADDRESS! }));
    if (flags.observability) {
      say(`starting Prometheus on ${up.PROMETHEUS_ADDRESS} (rules: ops/prometheus/alerts.yml)`);
      const prometheus = await startPrometheus({
        dir: path.join(up.DATA_DIR, 'prometheus'),
        listen: up.PROMETHEUS_ADDRESS,
        targets: { api: [api.API_METRICS_ADDRESS], workers: workerAddresses, temporal: cluster?.metricsAddresses ?? [`${host ?? '127.0.0.1'}:${up.TEMPORAL_METRICS_PORT}`], supervisor: [up.UP_METRICS_ADDRESS] },
        onLine: prefixedPrinter('prometheus'),
      });
      supervisor.supervise(prometheus);
    }
  } catch (error) {
    if (stopping) return;
    say(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
    return;
  }
  const lines = [
    '',
    `Orderflow is up (${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    `  API           ${apiUrl}`,
    `  API docs      ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
    `  Temporal UI   http://${host ?? '127.0.0.1'}:${up.TEMPORAL_UI_PORT}   (payloads encrypted; decrypted for this UI by ${codecEndpoint})`,
    cluster
      ? `  Temporal gRPC ${temporal.TEMPORAL_ADDRESS} (namespace ${temporal.TEMPORAL_NAMESPACE}): HAProxy in front of ${cluster.nodes.length} server nodes on ${up.TEMPORAL_CLUSTER_NODES.join(', ')}, mTLS (certificates in ${cluster.certs.dir}; TEMPORAL_TLS_* for the CLI: npm run -s temporal -- ... adds them)`
      : `  Temporal gRPC ${temporal.TEMPORAL_ADDRESS} (namespace ${temporal.TEMPORAL_NAMESPACE})`,
    `  Processes     ${supervisor.current().map((p) => `${p.name} ${p.child.exitCode === null && p.child.signalCode === null ? `pid ${p.child.pid}` : 'restarting'}`).join(', ')}`,
    `                (one that dies is restarted, with a line saying so; kill -9 one to watch${cluster ? ', a Temporal node rejoins the ring' : ''})`,
    `  PostgreSQL    ${database.DATABASE_URL}`,
    `  Email         ${process.env.SMTP_URL ?? `${env.MAIL_OUTBOX_DIR} (.eml files)`}`,
    sandbox
      ? `  Payments      sandbox ${sandbox.origin} (charges no one; ledger ${sandboxLedger}, or curl '${sandbox.origin}/v1/ledger?orderId=<order>')`
      : `  Payments      Stripe (PAYMENT_PROVIDER=stripe${process.env.STRIPE_API_URL ? `, ${process.env.STRIPE_API_URL}` : ''})`,
    `  Workers       ${Object.entries(replicas).map(([service, n]) => `${service}×${n}`).join(', ')}`,
    `  Metrics       http://${api.API_METRICS_ADDRESS}/metrics (API); http://${up.UP_METRICS_ADDRESS}/metrics (restarts); workers on ${workerAddresses.map(({ address }) => address.split(':')[1]).join(', ')} (/metrics, /healthz, /readyz); Temporal server ${(cluster?.metricsAddresses ?? [`${host ?? '127.0.0.1'}:${up.TEMPORAL_METRICS_PORT}`]).map((address) => `http://${address}/metrics`).join(', ')}`,
    ...(flags.observability
      ? [`  Prometheus    http://${up.PROMETHEUS_ADDRESS} (alerts: http://${up.PROMETHEUS_ADDRESS}/alerts; Grafana dashboard: ops/grafana/orderflow.json)`]
      : [`  Prometheus    npm run up -- --observability`]),
    `  Operator CLI  npx orderflow --help   (orders, products, stock, replay; npm run -s temporal -- workflow list)`,
    `  Dev token     npx orderflow token mint --sub alice --email alice@example.com --roles customer`,
    `  Dev secrets   ${path.join(up.DATA_DIR, 'dev-secrets.json')} (generated for this install; refused in production mode)`,
    '',
  ];
  for (const line of lines) say(line);
});

/**
 * The sandbox's address: loopback (it charges no one and asks for no credentials), and not one of
 * the ports up gives its worker processes (WORKER_METRICS_BASE_PORT + n and + 100 + n), which
 * more replicas can stretch over the sandbox's default 9470.
 */
function checkSandboxAddress(sandbox: URL, workerBasePort: number, workerProcesses: number): void {
  if (!isLoopbackHost(sandbox.hostname) || sandbox.protocol !== 'http:') throw new ConfigError(`PAYMENT_SANDBOX_URL=${sandbox.href}: npm run up serves the payment sandbox over plain HTTP on loopback only`);
  const port = Number(sandbox.port || 80);
  const offset = port - workerBasePort;
  if ((offset >= 0 && offset < workerProcesses) || (offset >= 100 && offset < 100 + workerProcesses)) {
    throw new ConfigError(`PAYMENT_SANDBOX_URL=${sandbox.href}: port ${port} is a worker endpoint's (WORKER_METRICS_BASE_PORT ${workerBasePort}, ${workerProcesses} worker processes); pick another`);
  }
}
