import { statSync } from 'node:fs';
import pg from 'pg';
import { sampleValue } from '../../test/support/prometheus-text.js';
import { sampleCpu, type CpuSample } from './cpu.js';
import { openFileDescriptors, rssBytes } from './proc.js';

export interface Sample {
  /** Epoch ms. */
  at: number;
  /** Resident memory and open file descriptors of each process of the stack, by name. */
  rssBytes: Record<string, number>;
  fds: Record<string, number>;
  /** CPU seconds so far of each process, and of the PostgreSQL backends serving the run's database (group `postgres`). */
  cpu: CpuSample;
  postgresConnections: number;
  /** The run's database; Temporal's SQLite file, and its write-ahead log (-wal, -shm), which checkpoints keep bounded. */
  storageBytes: { postgres: number; temporal: number; temporalWal: number };
  /** The order worker's workflow cache (temporal_sticky_cache_size). */
  cachedWorkflows: number;
  /** The order worker's V8 heap in use (nodejs_heap_size_used_bytes): what its heap limit bounds, inside its RSS. */
  orderWorkerHeapBytes: number;
  /** Workflows in the dev server's history cache (cache_usage, mutable state; the CLI bounds it at 8,096). */
  temporalCachedWorkflows: number;
}

export interface SamplerOptions {
  /** Process name → pid: the dev server, the API, each worker. */
  processes: Record<string, number>;
  adminUrl: string;
  databaseName: string;
  /** Temporal's SQLite file (its -wal and -shm beside it). */
  temporalDbFile: string;
  orderWorkerMetricsUrl: string;
  temporalMetricsUrl: string;
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
 * descriptors), pg_stat_activity and pg_database_size for the run's database, the size of
 * Temporal's SQLite files, the order worker's workflow cache and V8 heap from its metrics
 * endpoint, and the dev server's history cache from its own.
 */
export async function startSampler(options: SamplerOptions): Promise<{ samples: Sample[]; stop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: options.adminUrl, application_name: 'orderflow-soak-sampler' });
  await admin.connect();
  const samples: Sample[] = [];
  const take = async (): Promise<Sample> => {
    const { rows } = await admin.query<{ pid: number | null; size: string }>(
      'SELECT pid, NULL AS size FROM pg_stat_activity WHERE datname = $1 UNION ALL SELECT NULL, pg_database_size($1)::text',
      [options.databaseName],
    );
    const backends = rows.flatMap((row) => (row.pid === null ? [] : [row.pid]));
    const scrape = (url: string) => fetch(url).then((response) => response.text(), () => '');
    const [metrics, temporalMetrics] = await Promise.all([scrape(options.orderWorkerMetricsUrl), scrape(options.temporalMetricsUrl)]);
    const each = <T>(read: (pid: number) => T | undefined, fallback: T) =>
      Object.fromEntries(Object.entries(options.processes).map(([name, pid]) => [name, read(pid) ?? fallback]));
    return {
      at: Date.now(),
      rssBytes: each(rssBytes, 0),
      fds: each(openFileDescriptors, 0),
      cpu: sampleCpu({ ...Object.fromEntries(Object.entries(options.processes).map(([name, pid]) => [name, [pid]])), postgres: backends }),
      postgresConnections: backends.length,
      storageBytes: {
        postgres: Number(rows.find((row) => row.pid === null)!.size),
        temporal: fileSize(options.temporalDbFile),
        temporalWal: fileSize(`${options.temporalDbFile}-wal`) + fileSize(`${options.temporalDbFile}-shm`),
      },
      cachedWorkflows: sampleValue(metrics, 'temporal_sticky_cache_size'),
      orderWorkerHeapBytes: sampleValue(metrics, 'nodejs_heap_size_used_bytes'),
      temporalCachedWorkflows: sampleValue(temporalMetrics, 'cache_usage', { cache_type: 'mutablestate' }),
    };
  };
  samples.push(await take());
  let running = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => void samples.push(await take()));
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
