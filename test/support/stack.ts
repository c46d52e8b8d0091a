import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createApiClient, type ApiClient } from '../../api/client.js';
import type { Role } from '../../common/tokens.js';
import type { DevSecrets } from '../../dev/secrets.js';
import { type ManagedProcess } from '../../dev/processes.js';
import { parseReplicas, ROOT, startApi, startApp, startWorker, waitForHttp, type AppProcesses } from '../../dev/stack.js';
import { startTemporalDevServer } from '../../dev/temporal-server.js';
import type { ServiceName } from '../../common/config.js';
import { TASK_QUEUES } from '../../workers/task-queues.js';
import { freePorts } from '../../common/free-port.js';
import type { TemporalConnectionOptions } from '../../common/temporal-connection.js';
import { PaymentSandboxServer } from './payment-sandbox.js';
import { dataConverterFor, tokenFor } from './secrets.js';

/** What the run prepared: under vitest it comes from the global setup (inject), elsewhere (benchmarks) it is given. */
export interface Prepared {
  databaseUrl: string;
  temporalBinary: string;
  workflowBundlePath: string;
  secrets: DevSecrets;
}

const fromGlobalSetup = (): Prepared => ({
  databaseUrl: inject('databaseUrl'),
  temporalBinary: inject('temporalBinary'),
  workflowBundlePath: inject('workflowBundlePath'),
  secrets: inject('secrets'),
});

export interface TestStackOptions {
  prepared?: Prepared;
  /** Name of the suite, for its log file under .data/test/logs. */
  name: string;
  smtpUrl: string;
  replicas?: string;
  env?: NodeJS.ProcessEnv;
  /** Node's own flags for the API and the workers (the profiler's `--cpu-prof`). */
  nodeArgs?: string[];
  /** The Node binary for the API and the workers (bench:ab's runtime comparison); default: ours. */
  node?: string;
  /** The checkout whose API and workers run (the benchmark's baseline); default: this one. */
  root?: string;
  /** Give each worker process a metrics and health endpoint (see workerUrl). */
  workerEndpoints?: boolean;
  /** Serve the Temporal Web UI (see uiUrl), decoding through the API's local codec path. */
  webUi?: boolean;
  /** Dynamic config for the dev server over its own (dev/temporal-server.ts): a benchmark's baseline runs the server as its ref did. */
  temporalDynamicConfig?: Record<string, string | number | boolean>;
  /** A Temporal already running (a cluster): no dev server; the app connects with `env` (address, TLS). */
  temporal?: { env: Record<string, string>; connection: TemporalConnectionOptions };
}

/**
 * The whole system as separate processes, as in production: a Temporal dev server on its own
 * SQLite file, the five workers (with replicas) and the API, against the run's database, a real
 * SMTP server and the payment sandbox (in this process, on a free port).
 * Process output goes to a log file per suite, so failures can be read.
 */
export class TestStack {
  readonly apiUrl: string;
  /** The API's Prometheus listener (its own port, as in production). */
  readonly metricsUrl: string;
  readonly temporalAddress: string;
  /** The dev server's own Prometheus metrics (host:port). */
  readonly temporalMetricsAddress: string;
  /** The Temporal Web UI, with webUi. */
  readonly uiUrl: string;
  server!: ManagedProcess;
  app!: AppProcesses;
  /** The payment provider the payment worker calls (its ledger: sandboxLedger(paymentSandbox.url, orderId)); stop() it for an outage. */
  readonly paymentSandbox = new PaymentSandboxServer();
  client!: Client;
  private connection!: Connection;
  private readonly logFile: WriteStream;
  private readonly extraApis: ManagedProcess[] = [];
  private readonly env: NodeJS.ProcessEnv;
  readonly prepared: Prepared;

  private constructor(
    private readonly options: TestStackOptions,
    private readonly ports: { temporal: number; api: number; metrics: number; temporalMetrics: number; ui: number },
    private readonly dataDir: string,
  ) {
    this.prepared = options.prepared ?? fromGlobalSetup();
    this.apiUrl = `http://127.0.0.1:${ports.api}`;
    this.metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
    this.temporalAddress = options.temporal?.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${ports.temporal}`;
    this.temporalMetricsAddress = `127.0.0.1:${ports.temporalMetrics}`;
    this.uiUrl = `http://127.0.0.1:${ports.ui}`;
    const logDir = path.join(ROOT, '.data', 'test', 'logs');
    mkdirSync(logDir, { recursive: true });
    this.logFile = createWriteStream(path.join(logDir, `${options.name}.log`), { flags: 'w' });
    this.env = {
      ...process.env,
      LOG_LEVEL: 'info',
      TEMPORAL_ADDRESS: this.temporalAddress,
      DATABASE_URL: this.prepared.databaseUrl,
      SMTP_URL: options.smtpUrl,
      API_PORT: String(ports.api),
      WORKFLOW_BUNDLE_PATH: this.prepared.workflowBundlePath,
      ...this.prepared.secrets,
      ORDERFLOW_ENV: 'development',
      // The suites' webhook receivers listen on 127.0.0.1.
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      API_METRICS_ADDRESS: `127.0.0.1:${ports.metrics}`,
      ...(options.webUi && { CODEC_CORS_ORIGINS: this.uiUrl }),
      ...options.temporal?.env,
      ...options.env,
    };
  }

  static async start(options: TestStackOptions): Promise<TestStack> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-e2e-'));
    const replicas = parseReplicas(options.replicas);
    const processes = Object.values(replicas).reduce((sum, n) => sum + n, 0);
    // Every port in one go, so that no two are the same.
    const [temporal, api, metrics, temporalMetrics, ui, ...workerPorts] = (await freePorts(5 + (options.workerEndpoints ? 2 * processes : 0))) as number[];
    const stack = new TestStack(options, { temporal: temporal!, api: api!, metrics: metrics!, temporalMetrics: temporalMetrics!, ui: ui! }, dataDir);
    try {
      await stack.paymentSandbox.start();
      stack.env.PAYMENT_SANDBOX_URL = stack.paymentSandbox.url;
      if (!options.temporal) await stack.startServer();
      stack.connection = await Connection.connect(options.temporal?.connection ?? { address: stack.temporalAddress });
      stack.client = new Client({ connection: stack.connection, dataConverter: dataConverterFor(stack.prepared.secrets) });
      const metricsPorts = options.workerEndpoints ? (n: number) => ({ endpoint: workerPorts[2 * n]!, sdk: workerPorts[2 * n + 1]! }) : undefined;
      stack.app = startApp({ env: stack.env, replicas, output: (name) => stack.output(name), ...(metricsPorts && { metricsPorts }), ...(options.nodeArgs && { nodeArgs: options.nodeArgs }), ...(options.node && { node: options.node }), ...(options.root && { root: options.root }) });
      await waitForHttp(`${stack.apiUrl}/readyz`, 90_000, stack.app.api.exited);
      await stack.untilWorkersPoll();
      if (metricsPorts) await Promise.all([...stack.app.workers.keys()].map((name) => waitForHttp(`${stack.workerUrl(name)}/readyz`, 90_000, stack.worker(name).exited)));
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /**
   * Until the task queue of every service started has a poller (and the order queue a workflow
   * poller): a test's first request must not race a worker that is still starting.
   */
  private async untilWorkersPoll(timeoutMs = 90_000): Promise<void> {
    const { ACTIVITY, WORKFLOW } = { ACTIVITY: 2, WORKFLOW: 1 } as const; // temporal.api.enums.v1.TaskQueueType
    const queues = [...this.app.services.map((service) => ({ name: TASK_QUEUES[service], type: ACTIVITY })), { name: TASK_QUEUES.order, type: WORKFLOW }];
    const deadline = Date.now() + timeoutMs;
    for (const queue of queues) {
      for (;;) {
        const { pollers } = await this.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue.name }, taskQueueType: queue.type });
        if ((pollers?.length ?? 0) > 0) break;
        const gone = [...this.app.workers.values()].find((worker) => worker.child.exitCode !== null);
        if (gone) throw new Error(`${gone.name} exited (code ${gone.child.exitCode}) before its task queue had a poller`);
        if (Date.now() > deadline) throw new Error(`no worker polls task queue ${queue.name} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Starts (or restarts) the dev server on the same port and the same SQLite file. */
  async startServer(): Promise<void> {
    this.server = await startTemporalDevServer({
      binary: this.prepared.temporalBinary,
      dbFile: path.join(this.dataDir, 'temporal.db'),
      port: this.ports.temporal,
      uiPort: this.ports.ui,
      metricsPort: this.ports.temporalMetrics,
      headless: !this.options.webUi,
      ...(this.options.webUi && { codecEndpoint: `${this.apiUrl}/codec/${this.prepared.secrets.CODEC_LOCAL_PATH}` }),
      ...(this.options.temporalDynamicConfig && { dynamicConfig: this.options.temporalDynamicConfig }),
      onLine: this.output('temporal'),
    });
  }

  /** Starts one more replica of a service's worker, or starts a stopped one again (with its endpoint, if it had one). */
  startWorker(service: ServiceName, replica: number): ManagedProcess {
    const previous = this.app.workers.get(`${service}-${replica}`);
    const worker = startWorker(service, replica, { env: previous?.env ?? this.env, output: (name) => this.output(name) });
    this.app.workers.set(worker.name, worker);
    return worker;
  }

  /** Starts one more API process against the same database and Temporal; resolves to its URL once ready. */
  async startApiReplica(): Promise<string> {
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const name = `api-${this.extraApis.length + 2}`;
    const api = startApi(name, { env: { ...this.env, API_PORT: String(port), API_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` }, output: (process) => this.output(process) });
    this.extraApis.push(api);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/readyz`, 90_000, api.exited);
    return url;
  }

  /** The dev server's SQLite file (with its -wal beside it): what Temporal keeps on disk. */
  get temporalDbFile(): string {
    return path.join(this.dataDir, 'temporal.db');
  }

  /** The metrics and health endpoint of a worker process (`order-1`), with workerEndpoints. */
  workerUrl(name: string): string {
    const address = this.worker(name).env.WORKER_METRICS_ADDRESS;
    if (!address) throw new Error(`${name} has no endpoint: start the stack with workerEndpoints`);
    return `http://${address}`;
  }

  worker(name: string): ManagedProcess {
    const worker = this.app.workers.get(name);
    if (!worker) throw new Error(`no worker ${name}`);
    return worker;
  }

  token(sub: string, roles: Role[] = ['customer'], email = `${sub}@example.test`): Promise<string> {
    return tokenFor(this.prepared.secrets, sub, roles, email);
  }

  /** The API's typed client (api/client.ts) as the holder of `token`, or anonymous: for ordinary calls (with `read`, test/support/typed-api.ts). */
  api(token?: string, baseUrl = this.apiUrl): ApiClient {
    return createApiClient(baseUrl, token ? { token } : {});
  }

  /**
   * Raw HTTP, for what the typed client is not for: requests it would refuse to build (unknown
   * fields, malformed values, a wrong Content-Type, no token where one is needed), error bodies a
   * test reads (the typed client types success bodies only) and paths outside the contract.
   * Returns status, headers and the parsed body.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response shapes
  async request<T = any>(
    method: string,
    pathname: string,
    { token, body, headers, baseUrl = this.apiUrl }: { token?: string; body?: unknown; headers?: Record<string, string>; baseUrl?: string } = {},
  ) {
    const response = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async stop(): Promise<void> {
    await Promise.all([...(this.app?.all() ?? []), ...this.extraApis].map((p) => p.stop(5_000)));
    await this.connection?.close();
    await this.server?.stop(5_000);
    await this.paymentSandbox.stop();
    await new Promise<void>((resolve) => this.logFile.end(() => resolve()));
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private output(name: string): (line: string) => void {
    return (line) => this.logFile.write(`${new Date().toISOString()} ${name.padEnd(14)}| ${line}\n`);
  }
}
