import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { expect, inject } from 'vitest';
import { createApiClient, type ApiClient } from '../../api/client.js';
import { SERVICES } from '../../common/config.js';
import { freePortBlock, freePorts } from '../../common/free-port.js';
import { temporalConnectionOptions, temporalEnv } from '../../common/temporal-connection.js';
import type { Role } from '../../common/tokens.js';
import { publishedClusterClientEnv } from '../../dev/cluster/client-env.js';
import { startProcess, type ManagedProcess } from '../../dev/processes.js';
import { ROOT } from '../../dev/stack.js';
import { burstOfClients } from './clients.js';
import type { serviceDatabases } from './databases.js';
import { countBy, expectConsistent, settledOrders } from './invariants.js';
import { dataConverterFor, tokenFor } from './secrets.js';
import { createProduct } from './shop.js';
import type { SmtpSink } from './smtp-sink.js';

export interface UpStackOptions {
  /** For the log file under .data/test/logs. */
  name: string;
  /** `npm run up`'s flags (`--cluster`). */
  flags?: string[];
  /** On top of the run's database, secrets and this stack's own ports. */
  env?: Record<string, string>;
  /** The first port of the block up gives its workers (their metrics at base + n, the SDK's at base + 100 + n); default: a free block. */
  workerMetricsBasePort?: number;
}

/** The offsets of the worker endpoints of the default stack (one replica per service, in SERVICES order), and of their SDK exporters. */
export const WORKER_PORT_OFFSETS = [0, 100].flatMap((base) => SERVICES.map((_, n) => base + n));

/**
 * `npm run up` itself, as a user runs it (dev/up.ts, its supervisor and all), on ports and a data
 * folder of its own, against the run's database and secrets. Its output is kept line by line.
 */
export class UpStack {
  readonly lines: string[] = [];
  private readonly waiters: Array<{ pattern: RegExp; from: number; resolve: (match: RegExpMatchArray) => void }> = [];
  readonly secrets = inject('secrets');
  readonly apiUrl: string;
  client!: Client;
  private connection?: Connection;
  process!: ManagedProcess;

  private constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly dataDir: string,
    private readonly log: WriteStream,
  ) {
    this.apiUrl = `http://127.0.0.1:${env.API_PORT}`;
  }

  /** Starts up and waits for its banner (or throws with its last lines if it exits first), then connects a Temporal client. */
  static async start(options: UpStackOptions): Promise<UpStack> {
    const stack = await UpStack.launch(options);
    const ready = await Promise.race([stack.waitForLine(/Orderflow is up/), stack.process.exited.then(() => undefined)]);
    if (!ready) throw new Error(`npm run up exited (code ${stack.process.child.exitCode}) before it was up:\n${stack.lines.slice(-30).join('\n')}`);
    const temporalOptions = temporalConnectionOptions(temporalEnv.parse({ ...stack.env, ...publishedClusterClientEnv(stack.dataDir) }));
    stack.connection = await Connection.connect(temporalOptions);
    stack.client = new Client({ connection: stack.connection, dataConverter: dataConverterFor(stack.secrets) });
    return stack;
  }

  /** Starts up and returns at once. */
  static async launch({ name, flags = [], env = {}, workerMetricsBasePort }: UpStackOptions): Promise<UpStack> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), `orderflow-up-${name}-`));
    const [temporal, ui, temporalMetrics, api, apiMetrics, upMetrics, paymentSandbox] = (await freePorts(7)) as number[];
    const logs = path.join(ROOT, '.data', 'test', 'logs');
    mkdirSync(logs, { recursive: true });
    const stack = new UpStack(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...inject('secrets'),
        DATABASE_URL: inject('databaseUrl'),
        DATABASE_ADMIN_URL: inject('adminUrl'),
        DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
        TEMPORAL_UI_PORT: String(ui),
        TEMPORAL_METRICS_PORT: String(temporalMetrics),
        API_PORT: String(api),
        API_METRICS_ADDRESS: `127.0.0.1:${apiMetrics}`,
        UP_METRICS_ADDRESS: `127.0.0.1:${upMetrics}`,
        PAYMENT_SANDBOX_URL: `http://127.0.0.1:${paymentSandbox}`,
        WORKER_METRICS_BASE_PORT: String(workerMetricsBasePort ?? (await freePortBlock(WORKER_PORT_OFFSETS))),
        LOG_FORMAT: 'json',
        ...env,
      },
      dataDir,
      createWriteStream(path.join(logs, `${name}.log`), { flags: 'w' }),
    );
    stack.process = startProcess({ name: 'up', command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'dev', 'up.ts'), ...flags], env: stack.env, cwd: ROOT, onLine: (line) => stack.onLine(line) });
    return stack;
  }

  /** Resolves with the match of the first line from `from` on (default: the next line) that matches. */
  waitForLine(pattern: RegExp, from = this.lines.length): Promise<RegExpMatchArray> {
    const earlier = this.lines.slice(from).map((line) => line.match(pattern)).find(Boolean);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve) => this.waiters.push({ pattern, from, resolve }));
  }

  /** Each process's PID, from the banner and any restart since. */
  pid(name: string): number {
    let pid: number | undefined;
    for (const line of this.lines) {
      const banner = line.match(/ Processes +(.*)$/)?.[1];
      const inBanner = banner?.match(new RegExp(`(?:^|, )${name} pid (\\d+)`))?.[1];
      const restarted = line.match(new RegExp(`\\| ${name} restarted \\(restart \\d+, pid (\\d+)\\)`))?.[1];
      pid = Number(inBanner ?? restarted ?? pid) || pid;
    }
    if (!pid) throw new Error(`no PID of ${name} in up's output`);
    return pid;
  }

  get running(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  token(sub: string, roles: Role[] = ['customer'], email = `${sub}@example.test`): Promise<string> {
    return tokenFor(this.secrets, sub, roles, email);
  }

  api(token?: string): ApiClient {
    return createApiClient(this.apiUrl, token ? { token } : {});
  }

  /** Every PID up printed (the banner's, and each restart's). */
  pids(): number[] {
    return this.lines.flatMap((line) => [...line.matchAll(/pid (\d+)/g)].map((match) => Number(match[1])));
  }

  /** Stops up as a user does (Ctrl-C; SIGHUP, a closed terminal); resolves with up's exit code and the PIDs it printed that still run. */
  async stop(signal: 'SIGINT' | 'SIGHUP' = 'SIGINT'): Promise<{ code: number | null; leftRunning: number[] }> {
    await this.connection?.close();
    if (this.running) this.process.child.kill(signal);
    const code = await this.process.exited;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const leftRunning = this.pids().filter(alive);
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
    await rm(this.dataDir, { recursive: true, force: true });
    return { code, leftRunning };
  }


  private onLine(line: string): void {
    this.lines.push(line);
    this.log.write(`${new Date().toISOString()} ${line}\n`);
    for (const waiter of [...this.waiters]) {
      const match = line.match(waiter.pattern);
      if (match && this.lines.length - 1 >= waiter.from) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  }
}

/**
 * What a user of `up` tries: a burst of `orders` one-line orders from 20 customers for a new
 * product with `stock`, and `name` killed (kill -9, by the PID up printed) once a third are
 * accepted. Checks what must hold whatever died: the API answered nothing but 202 and 503 with
 * Retry-After, every order settled with no oversell and nothing doubled (expectConsistent), and
 * up is still running. Resolves with where up's lines about the kill start.
 */
export async function killMidBurst(
  up: UpStack,
  name: string,
  { orders, stock, dbs, smtp }: { orders: number; stock: number; dbs: ReturnType<typeof serviceDatabases>; smtp: SmtpSink },
): Promise<{ from: number; pid: number; statuses: Record<string, number> }> {
  const sku = await createProduct(up, stock, 'UPKILL');
  const pid = up.pid(name);
  const from = up.lines.length;
  const burst = await burstOfClients(up, sku, {
    count: orders,
    customers: 20,
    onAccepted: (accepted) => {
      if (accepted === Math.round(orders / 3)) process.kill(pid, 'SIGKILL');
    },
  });
  expect(burst.unexpected).toEqual([]);
  expect(burst.orderIds).toHaveLength(orders);
  const outcomes = await settledOrders(up.client, burst.orderIds);
  expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: stock, REJECTED: orders - stock });
  await expectConsistent(dbs, outcomes, { [sku]: stock }, smtp);
  expect(up.running).toBe(true);
  return { from, pid, statuses: burst.statuses };
}
