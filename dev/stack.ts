import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appProcessEnv, SERVICES, type ServiceName } from '../common/config.js';
import { prefixedPrinter, startTsProcess, type ManagedProcess } from './processes.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type Replicas = Record<ServiceName, number>;

/** Parses `inventory=2,order=3` (from --replicas or WORKER_REPLICAS); unnamed services get one. */
export function parseReplicas(spec: string | undefined): Replicas {
  const replicas = Object.fromEntries(SERVICES.map((service) => [service, 1])) as Replicas;
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)$/.exec(part);
    const service = match?.[1] as ServiceName | undefined;
    const count = Number(match?.[2]);
    if (!service || !SERVICES.includes(service) || !Number.isInteger(count) || count < 1 || count > 16) {
      throw new Error(`Invalid replicas "${part}": expected <service>=<1..16> with service one of ${SERVICES.join(', ')}`);
    }
    replicas[service] = count;
  }
  return replicas;
}

export interface AppProcesses {
  /** The services whose workers run: those with an entry point in the checkout (servicesIn). */
  services: ServiceName[];
  workers: Map<string, ManagedProcess>;
  api: ManagedProcess;
  all(): ManagedProcess[];
}

export interface StartAppOptions {
  env: NodeJS.ProcessEnv;
  replicas: Replicas;
  /** Where each process's lines go; defaults to the terminal, prefixed with the process name. */
  output?: (name: string) => (line: string) => void;
  /**
   * The ports of the n-th worker process (in start order): its metrics and health endpoint, and
   * the private one of the Temporal SDK's exporter behind it; unset: no endpoint.
   */
  metricsPorts?: (n: number) => { endpoint: number; sdk: number };
  /** Node's own flags for every process (the profiler's). */
  nodeArgs?: string[];
  /** The Node binary for every process (bench:ab's runtime comparison); default: ours. */
  node?: string;
  /** The checkout whose code runs (the benchmark's baseline runs an earlier commit's); default: this one. */
  root?: string;
}

/** Starts one replica of a service's worker. */
export function startWorker(service: ServiceName, replica: number, { env, output, nodeArgs, node, root = ROOT }: Omit<StartAppOptions, 'replicas'>): ManagedProcess {
  const name = `${service}-${replica}`;
  return startTsProcess({ name, entry: path.join(root, 'workers', `${service}.ts`), env: withProcessEnv(service, env), cwd: root, onLine: (output ?? prefixedPrinter)(name), ...(nodeArgs && { nodeArgs }), ...(node && { node }) });
}

/** Starts an API process; `env` on top of the stack's (its port, for a second replica). */
export function startApi(name: string, { env, output, nodeArgs, node, root = ROOT }: Omit<StartAppOptions, 'replicas' | 'metricsPorts'>): ManagedProcess {
  return startTsProcess({ name, entry: path.join(root, 'api', 'server.ts'), env: withProcessEnv('api', env), cwd: root, onLine: (output ?? prefixedPrinter)(name), ...(nodeArgs && { nodeArgs }), ...(node && { node }) });
}

/**
 * A process's start-up environment, as in the deployment (appProcessEnv): Node's flags added to
 * NODE_OPTIONS, MALLOC_ARENA_MAX set. What the caller set wins: a flag of its own
 * (`--max-old-space-size=1024`, say) with its value, or its own MALLOC_ARENA_MAX.
 */
export function withProcessEnv(name: ServiceName | 'api', env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: flags, MALLOC_ARENA_MAX } = appProcessEnv(name);
  const own = env.NODE_OPTIONS ?? '';
  const missing = flags.split(' ').filter((flag) => !own.includes(flag.slice(0, flag.indexOf('=') + 1)));
  return { ...env, NODE_OPTIONS: [own, ...missing].join(' ').trim(), MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? MALLOC_ARENA_MAX };
}

/**
 * The services with a worker entry point (workers/<service>.ts) in a checkout: a benchmark's
 * baseline older than a service (payment) has no worker for it, and its saga never calls it.
 */
export function servicesIn(root: string): ServiceName[] {
  return SERVICES.filter((service) => existsSync(path.join(root, 'workers', `${service}.ts`)));
}

/** Starts the workers (with replicas) of every service the checkout has, and the API, each in its own process. */
export function startApp({ env, replicas, output, metricsPorts, nodeArgs, node, root = ROOT }: StartAppOptions): AppProcesses {
  const workers = new Map<string, ManagedProcess>();
  const services = servicesIn(root);
  for (const service of services) {
    for (let replica = 1; replica <= replicas[service]; replica += 1) {
      const ports = metricsPorts?.(workers.size);
      const metrics = ports ? { WORKER_METRICS_ADDRESS: `127.0.0.1:${ports.endpoint}`, WORKER_SDK_METRICS_PORT: String(ports.sdk) } : {};
      const worker = startWorker(service, replica, { env: { ...env, ...metrics }, root, ...(output && { output }), ...(nodeArgs && { nodeArgs }), ...(node && { node }) });
      workers.set(worker.name, worker);
    }
  }
  const api = startApi('api', { env, root, ...(output && { output }), ...(nodeArgs && { nodeArgs }), ...(node && { node }) });
  return { services, workers, api, all: () => [...workers.values(), api] };
}

/**
 * Starts the payment sandbox (dev/payment-sandbox/main.ts), the stand-in the payment worker calls
 * in development, on `address` (host:port), keeping its ledger in `ledgerFile`.
 */
export function startPaymentSandboxProcess({ address, ledgerFile, env, output }: { address: string; ledgerFile: string; env: NodeJS.ProcessEnv; output?: StartAppOptions['output'] }): ManagedProcess {
  const name = 'payment-sandbox';
  return startTsProcess({ name, entry: path.join(ROOT, 'dev', 'payment-sandbox', 'main.ts'), env: { ...env, PAYMENT_SANDBOX_ADDRESS: address, PAYMENT_SANDBOX_LEDGER: ledgerFile }, cwd: ROOT, onLine: (output ?? prefixedPrinter)(name) });
}

/** Polls a URL until it answers 200. */
export async function waitForHttp(url: string, timeoutMs = 60_000, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(gone ? `process serving ${url} exited` : `${url} did not become ready`);
}
