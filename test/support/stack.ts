import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { authEnv } from '../../common/config.js';
import { mintToken, type Role } from '../../common/tokens.js';
import type { ManagedProcess } from '../../dev/processes.js';
import { parseReplicas, ROOT, startApp, startWorker, waitForHttp, type AppProcesses } from '../../dev/stack.js';
import { startTemporalDevServer } from '../../dev/temporal-server.js';
import type { ServiceName } from '../../common/config.js';
import { freePort } from './ports.js';
import { testDataConverter } from './temporal.js';

/** What the run prepared: under vitest it comes from the global setup (inject), elsewhere (benchmarks) it is given. */
export interface Prepared {
  databaseUrl: string;
  temporalBinary: string;
  workflowBundlePath: string;
}

const fromGlobalSetup = (): Prepared => ({
  databaseUrl: inject('databaseUrl'),
  temporalBinary: inject('temporalBinary'),
  workflowBundlePath: inject('workflowBundlePath'),
});

export interface TestStackOptions {
  prepared?: Prepared;
  /** Name of the suite, for its log file under .data/test/logs. */
  name: string;
  smtpUrl: string;
  replicas?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The whole system as separate processes, as in production: a Temporal dev server on its own
 * SQLite file, the four workers (with replicas) and the API, against the run's database and
 * a real SMTP server. Process output goes to a log file per suite, so failures can be read.
 */
export class TestStack {
  readonly apiUrl: string;
  readonly temporalAddress: string;
  server!: ManagedProcess;
  app!: AppProcesses;
  client!: Client;
  private connection!: Connection;
  private readonly logFile: WriteStream;
  private readonly env: NodeJS.ProcessEnv;
  private readonly prepared: Prepared;

  private constructor(
    private readonly options: TestStackOptions,
    private readonly ports: { temporal: number; api: number },
    private readonly dataDir: string,
  ) {
    this.prepared = options.prepared ?? fromGlobalSetup();
    this.apiUrl = `http://127.0.0.1:${ports.api}`;
    this.temporalAddress = `127.0.0.1:${ports.temporal}`;
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
      ...options.env,
    };
  }

  static async start(options: TestStackOptions): Promise<TestStack> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-e2e-'));
    const stack = new TestStack(options, { temporal: await freePort(), api: await freePort() }, dataDir);
    try {
      await stack.startServer();
      stack.connection = await Connection.connect({ address: stack.temporalAddress });
      stack.client = new Client({ connection: stack.connection, dataConverter: testDataConverter });
      stack.app = startApp({ env: stack.env, replicas: parseReplicas(options.replicas), output: (name) => stack.output(name) });
      await waitForHttp(`${stack.apiUrl}/readyz`, 90_000, stack.app.api.exited);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** Starts (or restarts) the dev server on the same port and the same SQLite file. */
  async startServer(): Promise<void> {
    this.server = await startTemporalDevServer({
      binary: this.prepared.temporalBinary,
      dbFile: path.join(this.dataDir, 'temporal.db'),
      port: this.ports.temporal,
      uiPort: await freePort(),
      headless: true,
      onLine: this.output('temporal'),
    });
  }

  /** Starts one more replica of a service's worker (for example after killing one). */
  startWorker(service: ServiceName, replica: number): ManagedProcess {
    const worker = startWorker(service, replica, { env: this.env, output: (name) => this.output(name) });
    this.app.workers.set(worker.name, worker);
    return worker;
  }

  worker(name: string): ManagedProcess {
    const worker = this.app.workers.get(name);
    if (!worker) throw new Error(`no worker ${name}`);
    return worker;
  }

  async token(sub: string, roles: Role[] = ['customer'], email = `${sub}@example.test`): Promise<string> {
    const auth = authEnv.parse({});
    return mintToken({ sub, email, roles }, { secret: auth.JWT_SECRET, issuer: auth.JWT_ISSUER, audience: auth.JWT_AUDIENCE });
  }

  /** Calls the API with a bearer token; returns status, headers and the parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response shapes
  async request<T = any>(method: string, pathname: string, { token, body, headers }: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const response = await fetch(`${this.apiUrl}${pathname}`, {
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
    await Promise.all((this.app?.all() ?? []).map((p) => p.stop(5_000)));
    await this.connection?.close();
    await this.server?.stop(5_000);
    await new Promise<void>((resolve) => this.logFile.end(() => resolve()));
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private output(name: string): (line: string) => void {
    return (line) => this.logFile.write(`${new Date().toISOString()} ${name.padEnd(14)}| ${line}\n`);
  }
}
