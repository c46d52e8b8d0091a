import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../../common/temporal-connection.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../workflows/search-attributes.js';
import { startProcess, type ManagedProcess } from '../processes.js';
import { waitForTemporal } from '../temporal-server.js';
import { ROOT } from '../stack.js';
import { ensureClusterCertificates, FRONTEND_SERVER_NAME, INTERNODE_SERVER_NAME, type ClusterCertificates } from './certs.js';
import { startLoadBalancer } from './load-balancer.js';
import { setupTemporalSchemas, TEMPORAL_ROLE, temporalDatabases } from './temporal-schema.js';
import { startUiServer, type UiOptions } from './ui-server.js';

/** The one server configuration (a template the server renders; relative to the repository) and dynamic config, shared with compose and Kubernetes. */
export const SERVER_CONFIG_DIR = 'ops/temporal/config';
export const SERVER_CONFIG_ENV = 'orderflow';
export const DYNAMIC_CONFIG = path.join(ROOT, 'ops', 'temporal', 'dynamicconfig.yaml');

const FRONTEND_PORT = 7233;
/** History shards: fixed for the life of the databases (Temporal cannot change it later). */
export const NUM_HISTORY_SHARDS = 4;
const RETENTION_MS = 3 * 24 * 3600 * 1000;
const status = { ALREADY_EXISTS: 6 } as const;
const INDEXED_VALUE_TYPES: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

export interface ClusterOptions {
  binaries: { server: string; sql: string; ui?: string };
  /** Certificates, the load balancer's and the Web UI's configuration. */
  dataDir: string;
  /** PostgreSQL as an administrator: creates Temporal's role and databases. */
  adminUrl: string;
  /** Temporal's database names: `<prefix>` and `<prefix>_visibility`. */
  databasePrefix: string;
  /** One loopback address per node; every node runs all four services on the standard ports. */
  nodeAddresses: string[];
  /** Where the load balancer listens: what clients use as TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  /** The nodes' Prometheus endpoints, one port for all (each on its own address). */
  metricsPort: number;
  ui?: UiOptions;
  logLevel?: string;
  say: (line: string) => void;
  output: (name: string) => (line: string) => void;
}

export interface TemporalCluster {
  address: string;
  certs: ClusterCertificates;
  /** What the app's processes (and the CLI) connect with: the load balancer, mTLS. */
  clientEnv: Record<'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME', string>;
  connectionOptions(): TemporalConnectionOptions;
  nodes: ManagedProcess[];
  loadBalancer: ManagedProcess;
  ui?: ManagedProcess;
  metricsAddresses: string[];
  /** Starts node `index` again (after a kill) and waits until it serves and owns history shards again (it rejoined the ring). */
  restartNode(index: number): Promise<void>;
  /** How many history shards each node owns, from its own metrics (undefined: the node does not answer). */
  shardsOwned(): Promise<Array<number | undefined>>;
  /** After node `index` was started again as `process`: resolves once it serves and owns history shards again, with a line saying so. */
  rejoined(index: number, process: ManagedProcess): Promise<string>;
  /** Prints each change of the history shards' owners (a node lost, a node back), every `intervalMs`; returns how to stop. */
  watchRing(say: (line: string) => void, intervalMs?: number): () => void;
  /** Every process, the load balancer last. */
  all(): ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * A real Temporal cluster on this machine: Temporal's databases on PostgreSQL (schema tool),
 * N server nodes with all four services each and membership between them, HAProxy in front on
 * one address, mTLS on every hop, the namespace and search attributes registered, and (with a
 * UI binary) the Web UI server. Running it again reuses the data and the certificates.
 */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { say } = options;
  await mkdir(options.dataDir, { recursive: true });
  const certs = await ensureClusterCertificates(path.join(options.dataDir, 'certs'), say);
  const databases = temporalDatabases(options.databasePrefix);
  say(`Temporal schemas in ${databases.persistence} and ${databases.visibility} (schema tool)`);
  await setupTemporalSchemas({ sqlTool: options.binaries.sql, adminUrl: options.adminUrl, databases, log: say });

  const clientEnv = {
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TLS_CERT: certs.client.cert,
    TEMPORAL_TLS_KEY: certs.client.key,
    TEMPORAL_TLS_CA: certs.ca.cert,
    TEMPORAL_TLS_SERVER_NAME: FRONTEND_SERVER_NAME,
  };
  const connectionOptions = () => temporalConnectionOptions({ ...clientEnv, TEMPORAL_API_KEY: undefined });
  const { hostname: dbHost, port: dbPort } = new URL(options.adminUrl);

  const nodeEnv = (ip: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    LOG_LEVEL: options.logLevel ?? 'info',
    BIND_ON_IP: ip,
    TEMPORAL_BROADCAST_ADDRESS: ip,
    POSTGRES_SEEDS: dbHost || '127.0.0.1',
    DB_PORT: dbPort || '5432',
    POSTGRES_USER: TEMPORAL_ROLE,
    TEMPORAL_DB: databases.persistence,
    TEMPORAL_VISIBILITY_DB: databases.visibility,
    PROMETHEUS_ENDPOINT: `${ip}:${options.metricsPort}`,
    NUM_HISTORY_SHARDS: String(NUM_HISTORY_SHARDS),
    // Two nodes of four services each share one local PostgreSQL (max_connections 100 by default)
    // with the app: 2 × 4 × (5 + 2) = 56 connections at most.
    SQL_MAX_CONNS: '5',
    SQL_MAX_IDLE_CONNS: '5',
    SQL_VIS_MAX_CONNS: '2',
    SQL_VIS_MAX_IDLE_CONNS: '2',
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG,
    TEMPORAL_CLUSTER_ADDRESS: options.address,
    TEMPORAL_TLS_CA: certs.ca.cert,
    TEMPORAL_TLS_FRONTEND_CERT: certs.frontend.cert,
    TEMPORAL_TLS_FRONTEND_KEY: certs.frontend.key,
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: FRONTEND_SERVER_NAME,
    TEMPORAL_TLS_INTERNODE_CERT: certs.internode.cert,
    TEMPORAL_TLS_INTERNODE_KEY: certs.internode.key,
    TEMPORAL_TLS_INTERNODE_SERVER_NAME: INTERNODE_SERVER_NAME,
  });
  // A node started again by whoever supervises it (`respawn`) takes its place in `nodes`, so that
  // stop() and restartNode() act on the running one.
  const asNode = (index: number, node: ManagedProcess): ManagedProcess => ({
    ...node,
    respawn: () => (nodes[index] = asNode(index, node.respawn())),
  });
  const startNode = (index: number) => {
    const ip = options.nodeAddresses[index]!;
    const name = `temporal-${index + 1}`;
    // --allow-no-auth: mTLS authenticates every caller; there is no per-namespace authorizer.
    return asNode(
      index,
      startProcess({
        name,
        command: options.binaries.server,
        args: ['--root', ROOT, '--config', SERVER_CONFIG_DIR, '--env', SERVER_CONFIG_ENV, '--allow-no-auth', 'start'],
        env: nodeEnv(ip),
        cwd: ROOT,
        onLine: options.output(name),
      }),
    );
  };
  const nodeAddress = (index: number) => `${options.nodeAddresses[index]}:${FRONTEND_PORT}`;

  const metricsAddresses = options.nodeAddresses.map((ip) => `${ip}:${options.metricsPort}`);
  const nodes: ManagedProcess[] = [];
  let loadBalancer: ManagedProcess | undefined;
  let ui: ManagedProcess | undefined;
  const stop = async () => {
    await ui?.stop(5_000);
    await Promise.all(nodes.map((node) => node.stop(10_000)));
    await loadBalancer?.stop(5_000);
  };
  try {
    say(`starting ${options.nodeAddresses.length} Temporal server nodes on ${options.nodeAddresses.join(', ')}`);
    // The first node alone, then the others: on a new database, nodes starting together race to
    // write the cluster's metadata record, and the loser exits (an orchestrator would restart it).
    nodes.push(startNode(0));
    await waitUntilServing(nodeAddress(0), connectionOptions(), nodes[0]!);
    options.nodeAddresses.slice(1).forEach((_, i) => nodes.push(startNode(i + 1)));
    await Promise.all(nodes.slice(1).map((node, i) => waitUntilServing(nodeAddress(i + 1), connectionOptions(), node)));
    say(`load balancer (HAProxy) on ${options.address}`);
    loadBalancer = await startLoadBalancer({ dir: options.dataDir, listen: options.address, backends: options.nodeAddresses.map((_, index) => nodeAddress(index)), onLine: options.output('haproxy') });
    await waitUntilServing(options.address, connectionOptions(), loadBalancer);
    await registerNamespace(connectionOptions(), options.namespace);
    // Every node must know the namespace and its search attributes before the app starts.
    await Promise.all(options.nodeAddresses.map((_, index) => waitUntilNamespaceReady(nodeAddress(index), connectionOptions(), options.namespace)));
    if (options.binaries.ui && options.ui) {
      ui = await startUiServer({ binary: options.binaries.ui, dir: options.dataDir, temporalAddress: options.address, certs, serverName: FRONTEND_SERVER_NAME, ...options.ui, onLine: options.output('temporal-ui') });
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    address: options.address,
    certs,
    clientEnv,
    connectionOptions,
    nodes,
    loadBalancer,
    ...(ui && { ui }),
    metricsAddresses,
    async restartNode(index) {
      await nodes[index]!.stop(5_000);
      nodes[index] = startNode(index);
      await waitUntilServing(nodeAddress(index), connectionOptions(), nodes[index]);
      await waitUntilShardsBalanced(metricsAddresses, index);
    },
    shardsOwned: () => shardsOwned(metricsAddresses),
    async rejoined(index, process) {
      await waitUntilServing(nodeAddress(index), connectionOptions(), process);
      const owned = await waitUntilShardsBalanced(metricsAddresses, index);
      return `rejoined the ring: serving on ${nodeAddress(index)}, history shards per node ${owned.join(' / ')}`;
    },
    watchRing(sayChange, intervalMs = 2_000) {
      let last = '';
      let watching = true;
      let timer: NodeJS.Timeout | undefined;
      // One reading at a time (each may wait 2 s for a node that does not answer), in order.
      const read = async () => {
        const owned = await shardsOwned(metricsAddresses);
        const ring = owned.map((n, i) => `temporal-${i + 1} ${n === undefined ? 'down' : `${n} shard${n === 1 ? '' : 's'}`}`).join(', ');
        if (!watching) return;
        if (last && ring !== last) sayChange(`ring: ${ring}`);
        last = ring;
        timer = setTimeout(() => void read(), intervalMs);
      };
      void read();
      return () => {
        watching = false;
        clearTimeout(timer);
      };
    },
    all: () => [...nodes, ...(ui ? [ui] : []), loadBalancer],
    stop,
  };
}

/** Until the frontend at `address` serves, over the cluster's TLS, failing early if `process` exits. */
const waitUntilServing = (address: string, options: TemporalConnectionOptions, process: ManagedProcess) => waitForTemporal(address, process, 120_000, options);

/** Registers `namespace` (if new) and the workflows' search attributes on it (those missing). */
export async function registerNamespace(options: TemporalConnectionOptions, namespace: string): Promise<void> {
  const connection = await Connection.connect(options);
  try {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_MS) })
      .catch((error: unknown) => {
        if (!(isGrpcServiceError(error) && error.code === status.ALREADY_EXISTS)) throw error;
      });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter(({ name }) => !(name in customAttributes));
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map(({ name, type }) => [name, INDEXED_VALUE_TYPES[type]!])),
      });
    }
  } finally {
    await connection.close();
  }
}

/** Until the node at `address` describes the namespace and lists every search attribute (each node caches namespaces). */
async function waitUntilNamespaceReady(address: string, options: TemporalConnectionOptions, namespace: string, timeoutMs = 60_000): Promise<void> {
  const connection = await Connection.connect({ ...options, address });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        if (SEARCH_ATTRIBUTE_DEFINITIONS.every(({ name }) => name in customAttributes)) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not ready on ${address} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await connection.close();
  }
}

/** Each node's `numshards_gauge` (history shards it owns), read from its Prometheus endpoint. */
async function shardsOwned(metricsAddresses: string[]): Promise<Array<number | undefined>> {
  return Promise.all(
    metricsAddresses.map(async (address) => {
      try {
        const text = await (await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
        const line = text.split('\n').find((row) => row.startsWith('numshards_gauge{'));
        return line ? Number(line.split(' ').at(-1)) : 0;
      } catch {
        return undefined;
      }
    }),
  );
}

/** Until node `index` owns shards again and every shard has exactly one owner: the ring has settled. Resolves with the shards per node. */
async function waitUntilShardsBalanced(metricsAddresses: string[], index: number, timeoutMs = 60_000): Promise<Array<number | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let owned: Array<number | undefined> = [];
  while (Date.now() < deadline) {
    owned = await shardsOwned(metricsAddresses);
    const total = owned.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    if ((owned[index] ?? 0) > 0 && total === NUM_HISTORY_SHARDS) return owned;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`node ${index + 1} did not take back history shards within ${timeoutMs} ms (shards per node: ${owned.join(', ')})`);
}
