import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTemporalCluster, type TemporalCluster } from '../../dev/cluster/temporal-cluster.js';
import { dropTemporalDatabases, temporalDatabases } from '../../dev/cluster/temporal-schema.js';
import { ensureDebianPackage } from '../../dev/debian-packages.js';
import { ensureGoTool, TEMPORAL_SERVER } from '../../dev/go-binaries.js';
import { ROOT } from '../../dev/stack.js';
import { ADMIN_URL } from './bench-stack.js';
import { stopOnInterrupt } from './interrupt.js';

/** Addresses of the benchmark's own cluster: not `npm run up -- --cluster`'s, nor the cluster suite's. */
const NODES = ['127.0.40.2', '127.0.40.3'];
const ADDRESS = '127.0.40.1:7233';

/** The app's settings on the cluster: a smaller PostgreSQL pool per process, leaving connections to Temporal's own. */
export const CLUSTER_APP_ENV = { DATABASE_POOL_MAX: '4' };

/** How the benchmark's stack reaches the cluster (TestStack's `temporal` option). */
export const clusterTemporal = (cluster: TemporalCluster) => ({ env: cluster.clientEnv, connection: cluster.connectionOptions() });

export interface BenchCluster {
  cluster: TemporalCluster;
  /** Its Temporal databases' names: see temporalDatabases. */
  databasePrefix: string;
  stop(): Promise<void>;
}

/**
 * Cluster mode for the benchmark: two Temporal server nodes on PostgreSQL behind HAProxy, mTLS,
 * with databases and certificates of its own (dropped and removed by stop). The nodes' logs go
 * to .data/bench/cluster-temporal.log.
 */
export async function startBenchCluster(say: (line: string) => void): Promise<BenchCluster> {
  ensureDebianPackage('haproxy', ['haproxy'], say);
  ensureDebianPackage('openssl', ['openssl'], say);
  const tools = await ensureGoTool(TEMPORAL_SERVER, say);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-bench-cluster-'));
  const databasePrefix = `temporal_bench_${randomBytes(4).toString('hex')}`;
  await mkdir(path.join(ROOT, '.data', 'bench'), { recursive: true });
  const log = createWriteStream(path.join(ROOT, '.data', 'bench', 'cluster-temporal.log'), { flags: 'w' });
  const cleanUp = stopOnInterrupt(async () => {
    await dropTemporalDatabases(ADMIN_URL, temporalDatabases(databasePrefix));
    await rm(dataDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => log.end(() => resolve()));
  });
  try {
    const cluster = await startTemporalCluster({
      binaries: { server: tools.server!, sql: tools.sql! },
      dataDir,
      adminUrl: ADMIN_URL,
      databasePrefix,
      nodeAddresses: NODES,
      address: ADDRESS,
      namespace: 'default',
      metricsPort: 9463,
      logLevel: 'warn',
      say,
      output: (name) => (line) => log.write(`${name.padEnd(12)}| ${line}\n`),
    });
    return {
      cluster,
      databasePrefix,
      stop: stopOnInterrupt(async () => {
        await cluster.stop();
        await cleanUp();
      }),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
