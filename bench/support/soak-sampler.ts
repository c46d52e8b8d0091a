import { statSync } from 'node:fs';
import pg from 'pg';
import { sampleSum, sampleValue } from '../../test/support/prometheus-text.js';
import { machineBusySeconds, pidsNamed, sampleCpu, threadsOf, type CpuSample, type ProcessGroups } from './cpu.js';
import { openFileDescriptors, rssBytes } from './proc.js';

/** The CPU group of the backends serving a cluster's Temporal databases. */
export const TEMPORAL_POSTGRES = 'postgres (Temporal)';

/** Every PostgreSQL process (autovacuum, checkpointer and WAL writer included), and this process (its HTTP clients, SMTP sink and the sampler). */
export const POSTGRES_ALL = 'postgres, every process';
export const BENCH_CLIENT = 'bench client (HTTP, SMTP sink, sampler)';

/** The CPU groups of the order worker's threads. */
export const ORDER_WORKER_THREADS = { main: 'order worker: main thread', js: 'order worker: worker threads', rest: 'order worker: other threads' } as const;

/** Node 24's name for a worker_threads thread (V8's helpers are `V8Worker`, libuv's pool `libuv-worker`). */
const WORKER_THREAD = 'WorkerThread';

/**
 * The order worker's CPU by thread: the main thread (activities, Temporal's client side), its
 * worker threads (the SDK's workflow threads: the report takes the busiest as the workflow
 * thread), and the rest (the SDK's Rust core, V8's and libuv's helpers).
 */
function orderWorkerThreads(pid: number): ProcessGroups {
  const named = (test: (name: string) => boolean) => () => threadsOf(pid).flatMap(({ tid, name }) => (tid !== pid && test(name) ? [tid] : []));
  return {
    [ORDER_WORKER_THREADS.main]: { pid, tids: () => [pid] },
    [ORDER_WORKER_THREADS.js]: { pid, tids: named((name) => name === WORKER_THREAD) },
    [ORDER_WORKER_THREADS.rest]: { pid, tids: named((name) => name !== WORKER_THREAD) },
  };
}

export interface Sample {
  /** Epoch ms. */
  at: number;
  /** Resident memory and open file descriptors of each process of the stack, by name. */
  rssBytes: Record<string, number>;
  fds: Record<string, number>;
  /**
   * CPU seconds so far of each process, of the PostgreSQL backends serving the run's database
   * (group `postgres`) and, on a cluster, Temporal's databases (group `postgres (Temporal)`), and
   * of the order worker's threads (ORDER_WORKER_THREADS).
   */
  cpu: CpuSample;
  /** CPU seconds the machine has been busy so far, all cores together. */
  machineBusySeconds: number;
  /** What autovacuum is working on (`<database>: <its query>`), at the sample. */
  autovacuum: string[];
  postgresConnections: number;
  /**
   * The run's database; Temporal's: the dev server's SQLite file and its write-ahead log (-wal,
   * -shm, which checkpoints keep bounded), or the cluster's two PostgreSQL databases (no WAL here).
   */
  storageBytes: { postgres: number; temporal: number; temporalWal: number };
  /** The order worker's workflow cache (temporal_sticky_cache_size). */
  cachedWorkflows: number;
  /** The order worker's V8 heap in use (nodejs_heap_size_used_bytes): what its heap limit bounds, inside its RSS. */
  orderWorkerHeapBytes: number;
  /**
   * Each worker's V8 heap as committed (nodejs_heap_size_total_bytes) and the memory its JS objects
   * hold outside it (nodejs_external_memory_bytes: Buffers): what of its RSS V8 grows and gives back.
   */
  workerHeapTotalBytes: Record<string, number>;
  workerExternalBytes: Record<string, number>;
  /** Workflows in Temporal's history caches (cache_usage, mutable state; summed over a cluster's nodes). */
  temporalCachedWorkflows: number;
}

export interface SamplerOptions {
  /** Process name → pid: Temporal (the dev server, or each cluster node and the load balancer), the API, each worker. */
  processes: Record<string, number>;
  adminUrl: string;
  databaseName: string;
  /** Where Temporal keeps its data: the dev server's SQLite file (its -wal and -shm beside it), or a cluster's PostgreSQL databases. */
  temporalStorage: { sqliteFile: string } | { databases: string[] };
  /** Process name → metrics endpoint, for each worker; `orderWorker` names the order worker's. */
  workerMetricsUrls: Record<string, string>;
  /** The order worker's name in `processes` and `workerMetricsUrls`. */
  orderWorker: string;
  /** The dev server's metrics endpoint, or each cluster node's. */
  temporalMetricsUrls: string[];
  everyMs: number;
}

const fileSize = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/**
 * Samples the stack every `everyMs` from outside it: /proc for each process (RSS, CPU, file
 * descriptors), pg_stat_activity and pg_database_size for the run's database (and a cluster's
 * Temporal databases), the size of the dev server's SQLite files, the order worker's workflow
 * cache and V8 heap from its metrics endpoint, and Temporal's history caches from its own.
 */
export async function startSampler(options: SamplerOptions): Promise<{ samples: Sample[]; stop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: options.adminUrl, application_name: 'orderflow-soak-sampler' });
  await admin.connect();
  const { temporalStorage } = options;
  const temporalDatabases = 'databases' in temporalStorage ? temporalStorage.databases : [];
  const threadGroups = orderWorkerThreads(options.processes[options.orderWorker]!);
  const samples: Sample[] = [];
  const take = async (): Promise<Sample> => {
    const databases = [options.databaseName, ...temporalDatabases];
    // One after the other: a pg.Client runs one query at a time (pg 9 refuses a second one in flight).
    const { rows: backends } = await admin.query<{ pid: number; datname: string }>('SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1)', [databases]);
    const { rows: sizes } = await admin.query<{ datname: string; size: string }>('SELECT datname, pg_database_size(datname)::text AS size FROM unnest($1::text[]) AS datname', [databases]);
    const { rows: vacuums } = await admin.query<{ datname: string; query: string }>("SELECT datname, query FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = ANY($1)", [databases]);
    const pidsOf = (names: string[]) => backends.flatMap((row) => (names.includes(row.datname) ? [row.pid] : []));
    const sizeOf = (names: string[]) => sizes.reduce((sum, row) => sum + (names.includes(row.datname) ? Number(row.size) : 0), 0);
    const appBackends = pidsOf([options.databaseName]);
    const scrape = (url: string) => fetch(url).then((response) => response.text(), () => '');
    const workers = Object.entries(options.workerMetricsUrls);
    const [workerMetrics, temporalMetrics] = await Promise.all([Promise.all(workers.map(([, url]) => scrape(url))), Promise.all(options.temporalMetricsUrls.map(scrape))]);
    const metrics = workerMetrics[workers.findIndex(([name]) => name === options.orderWorker)] ?? '';
    const each = <T>(read: (pid: number) => T | undefined, fallback: T) =>
      Object.fromEntries(Object.entries(options.processes).map(([name, pid]) => [name, read(pid) ?? fallback]));
    return {
      at: Date.now(),
      rssBytes: each(rssBytes, 0),
      fds: each(openFileDescriptors, 0),
      cpu: sampleCpu({
        ...Object.fromEntries(Object.entries(options.processes).map(([name, pid]) => [name, [pid]])),
        postgres: appBackends,
        ...(temporalDatabases.length > 0 && { [TEMPORAL_POSTGRES]: pidsOf(temporalDatabases) }),
        ...threadGroups,
        [POSTGRES_ALL]: () => pidsNamed('postgres'),
        [BENCH_CLIENT]: [process.pid],
      }),
      machineBusySeconds: machineBusySeconds(),
      autovacuum: vacuums.map((row) => `${row.datname}: ${row.query}`),
      postgresConnections: appBackends.length,
      storageBytes: {
        postgres: sizeOf([options.databaseName]),
        ...('sqliteFile' in temporalStorage
          ? { temporal: fileSize(temporalStorage.sqliteFile), temporalWal: fileSize(`${temporalStorage.sqliteFile}-wal`) + fileSize(`${temporalStorage.sqliteFile}-shm`) }
          : { temporal: sizeOf(temporalDatabases), temporalWal: 0 }),
      },
      cachedWorkflows: sampleValue(metrics, 'temporal_sticky_cache_size'),
      orderWorkerHeapBytes: sampleValue(metrics, 'nodejs_heap_size_used_bytes'),
      workerHeapTotalBytes: Object.fromEntries(workers.map(([name], i) => [name, sampleValue(workerMetrics[i]!, 'nodejs_heap_size_total_bytes')])),
      workerExternalBytes: Object.fromEntries(workers.map(([name], i) => [name, sampleValue(workerMetrics[i]!, 'nodejs_external_memory_bytes')])),
      temporalCachedWorkflows: temporalMetrics.reduce((sum, text) => sum + sampleSum(text, 'cache_usage', { cache_type: 'mutablestate' }), 0),
    };
  };
  samples.push(await take());
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(async () => void samples.push(await take()))
      .catch((error: unknown) => void process.stderr.write(`soak sampler: ${error instanceof Error ? error.message : String(error)}\n`));
  }, options.everyMs);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await running;
      samples.push(await take());
      await admin.end();
    },
  };
}
