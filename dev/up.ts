import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { apiEnv, ConfigError, databaseEnv, parseConfig, temporalEnv, workflowEnv } from '../common/config.js';
import { isLoopbackHost, parseMode } from '../common/environment.js';
import { logFormat } from '../common/logger.js';
import { runMain } from '../common/main.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';
import { setupDatabase } from '../cli/database-setup.js';
import { prefixedPrinter, type ManagedProcess } from './processes.js';
import { withDevSecrets } from './secrets.js';
import { ensurePrometheus } from './prometheus-binary.js';
import { startPrometheus } from './prometheus.js';
import { seedCatalog } from './seed.js';
import { parseReplicas, ROOT, startApp, waitForHttp } from './stack.js';
import { ensureTemporalBinary } from './temporal-binary.js';
import { startTemporalDevServer } from './temporal-server.js';
import { publishClusterClientEnv, withdrawClusterClientEnv } from './cluster/client-env.js';
import { CLUSTER_NODE_ADDRESSES, ensureClusterTools } from './cluster/tools.js';
import { startTemporalCluster, type TemporalCluster } from './cluster/temporal-cluster.js';

const upEnv = z.object({
  DATABASE_ADMIN_URL: z.url().default('postgres://postgres@127.0.0.1:5432/postgres'),
  DATA_DIR: z.string().default(path.join(ROOT, '.data')),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65_535).default(8233),
  WORKER_REPLICAS: z.string().optional(),
  WORKER_METRICS_BASE_PORT: z.coerce.number().int().min(1).max(65_000).default(9464),
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).default(9462),
  PROMETHEUS_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').default('127.0.0.1:9090'),
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
  const { up, temporal, database, api, workflow } = parseConfig({ up: upEnv, temporal: temporalEnv, database: databaseEnv, api: apiEnv, workflow: workflowEnv });
  const replicas = parseReplicas(flags.replicas ?? up.WORKER_REPLICAS);
  const say = prefixedPrinter('up');
  const started = Date.now();

  if (parseMode() === 'production') {
    throw new ConfigError('ORDERFLOW_ENV=production: npm run up is the development stack (generated secrets, open local codec); deploy the API and workers on their own');
  }
  if (!isLoopbackHost(api.API_HOST)) {
    throw new ConfigError(`API_HOST=${api.API_HOST}: npm run up serves the development stack on loopback only`);
  }
  await mkdir(up.DATA_DIR, { recursive: true });
  // Secrets generated for this install on first run (.data/dev-secrets.json) and reused after.
  const env: NodeJS.ProcessEnv = {
    ...withDevSecrets(process.env, up.DATA_DIR),
    ORDERFLOW_ENV: 'development',
    MAIL_OUTBOX_DIR: process.env.MAIL_OUTBOX_DIR ?? path.join(up.DATA_DIR, 'outbox'),
    WORKFLOW_BUNDLE_PATH: path.resolve(ROOT, workflow.WORKFLOW_BUNDLE_PATH),
    // The children write into pipes that end on this terminal: ask them for lines a person reads.
    ...(process.env.LOG_FORMAT === undefined && { LOG_FORMAT: logFormat(Boolean(process.stdout.isTTY)) }),
  };
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

  /** Temporal's own processes (dev server, or nodes, load balancer and UI) and ours, stopped in that order reversed. */
  const temporalProcesses: ManagedProcess[] = [];
  const processes: ManagedProcess[] = [];
  let cluster: TemporalCluster | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    // Workers and API first, so they drain in-flight tasks while the server is still up.
    await Promise.all(processes.map((p) => p.stop()));
    await (cluster ? cluster.stop() : Promise.all(temporalProcesses.map((p) => p.stop())));
    await withdrawClusterClientEnv(up.DATA_DIR);
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const [host, port] = temporal.TEMPORAL_ADDRESS.split(':');
  const apiUrl = `http://${api.API_HOST}:${api.API_PORT}`;
  let app: ReturnType<typeof startApp> | undefined;
  let workerAddresses: Array<{ name: string; address: string }> = [];
  // Whatever fails once processes run stops them all: nothing is left holding ports or files.
  try {
    if (clusterTools) {
      cluster = await startTemporalCluster({
        binaries: clusterTools,
        dataDir: path.join(up.DATA_DIR, 'cluster'),
        adminUrl: up.DATABASE_ADMIN_URL,
        databasePrefix: 'temporal',
        nodeAddresses: CLUSTER_NODE_ADDRESSES,
        address: temporal.TEMPORAL_ADDRESS,
        namespace: temporal.TEMPORAL_NAMESPACE,
        metricsPort: up.TEMPORAL_METRICS_PORT,
        ui: { port: up.TEMPORAL_UI_PORT, codecEndpoint, namespace: temporal.TEMPORAL_NAMESPACE },
        say,
        output: (name) => prefixedPrinter(name),
      });
      temporalProcesses.push(...cluster.all());
      Object.assign(env, cluster.clientEnv);
      await publishClusterClientEnv(cluster.clientEnv, up.DATA_DIR);
    }
    if (binary) {
      say(`starting Temporal dev server on ${temporal.TEMPORAL_ADDRESS} (state in ${path.join(up.DATA_DIR, 'temporal.db')})`);
      temporalProcesses.push(
        await startTemporalDevServer({
          binary,
          dbFile: path.join(up.DATA_DIR, 'temporal.db'),
          ip: host ?? '127.0.0.1',
          port: Number(port ?? 7233),
          uiPort: up.TEMPORAL_UI_PORT,
          namespace: temporal.TEMPORAL_NAMESPACE,
          codecEndpoint,
          metricsPort: up.TEMPORAL_METRICS_PORT,
        }),
      );
    }
    app = startApp({ env, replicas, metricsPorts: (n) => ({ endpoint: up.WORKER_METRICS_BASE_PORT + n, sdk: up.WORKER_METRICS_BASE_PORT + 100 + n }) });
    processes.push(...app.all());
    for (const p of [...temporalProcesses, ...processes]) {
      void p.exited.then((code) => {
        if (!stopping) {
          say(`${p.name} exited unexpectedly (code ${code}); stopping everything`);
          void stopAll(1);
        }
      });
    }

    await waitForHttp(`${apiUrl}/readyz`, 90_000, app.api.exited);
    workerAddresses = [...app.workers.values()].map((worker) => ({ name: worker.name, address: worker.env.WORKER_METRICS_ADDRESS! }));
    if (flags.observability) {
      say(`starting Prometheus on ${up.PROMETHEUS_ADDRESS} (rules: ops/prometheus/alerts.yml)`);
      const prometheus = await startPrometheus({
        dir: path.join(up.DATA_DIR, 'prometheus'),
        listen: up.PROMETHEUS_ADDRESS,
        targets: { api: [api.API_METRICS_ADDRESS], workers: workerAddresses, temporal: cluster?.metricsAddresses ?? [`${host ?? '127.0.0.1'}:${up.TEMPORAL_METRICS_PORT}`] },
        onLine: prefixedPrinter('prometheus'),
      });
      processes.push(prometheus);
      void prometheus.exited.then((code) => !stopping && (say(`prometheus exited unexpectedly (code ${code}); stopping everything`), void stopAll(1)));
    }
  } catch (error) {
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
      ? `  Temporal gRPC ${temporal.TEMPORAL_ADDRESS} (namespace ${temporal.TEMPORAL_NAMESPACE}): HAProxy in front of ${cluster.nodes.length} server nodes on ${CLUSTER_NODE_ADDRESSES.join(', ')}, mTLS (certificates in ${cluster.certs.dir}; TEMPORAL_TLS_* for the CLI: npm run -s temporal -- ... adds them)`
      : `  Temporal gRPC ${temporal.TEMPORAL_ADDRESS} (namespace ${temporal.TEMPORAL_NAMESPACE})`,
    `  PostgreSQL    ${database.DATABASE_URL}`,
    `  Email         ${process.env.SMTP_URL ?? `${env.MAIL_OUTBOX_DIR} (.eml files)`}`,
    `  Workers       ${Object.entries(replicas).map(([service, n]) => `${service}×${n}`).join(', ')}`,
    `  Metrics       http://${api.API_METRICS_ADDRESS}/metrics (API); workers on ${workerAddresses.map(({ address }) => address.split(':')[1]).join(', ')} (/metrics, /healthz, /readyz); Temporal server ${(cluster?.metricsAddresses ?? [`${host ?? '127.0.0.1'}:${up.TEMPORAL_METRICS_PORT}`]).map((address) => `http://${address}/metrics`).join(', ')}`,
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
