import { Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../common/temporal-connection.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../workflows/search-attributes.js';
import { startProcess, type ManagedProcess } from './processes.js';

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;
const SEARCH_ATTRIBUTE_TYPES: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

export interface DevServerOptions {
  binary: string;
  /** SQLite file: the server's state survives restarts. */
  dbFile: string;
  ip?: string;
  port: number;
  uiPort: number;
  /** No Web UI (tests). */
  headless?: boolean;
  /** The app's remote codec, so the Web UI shows payloads decrypted. */
  codecEndpoint?: string;
  /** Where the server serves its own Prometheus metrics; unset: a random port. */
  metricsPort?: number;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Dynamic config on top of DEV_SERVER_DYNAMIC_CONFIG (a key given here wins): benchmarks and tests that compare settings. */
  dynamicConfig?: Record<string, string | number | boolean>;
  onLine?: (line: string) => void;
}

/**
 * The dev server's dynamic config beyond the CLI's own defaults, as ops/temporal/dynamicconfig.yaml
 * sets it for cluster mode, compose and Kubernetes (its comments say why): server 1.29 honours task
 * priority (common/task-priority.ts) only with the priority-enabled matcher.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = { 'matching.useNewMatcher': true };

/** The arguments of `temporal server start-dev` for our app: search attributes registered, SQLite in WAL mode. */
export function devServerArgs({ dbFile, ip = '127.0.0.1', port, uiPort, headless = false, codecEndpoint, metricsPort, namespace = 'default', logLevel = 'error', dynamicConfig = {} }: Omit<DevServerOptions, 'binary' | 'onLine'>): string[] {
  return [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', ip,
    '--port', String(port),
    ...(headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(codecEndpoint ? ['--ui-codec-endpoint', codecEndpoint] : []),
    ...(metricsPort ? ['--metrics-port', String(metricsPort)] : []),
    '--namespace', namespace,
    '--log-level', logLevel,
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...SEARCH_ATTRIBUTE_DEFINITIONS.flatMap(({ name, type }) => ['--search-attribute', `${name}=${SEARCH_ATTRIBUTE_TYPES[type]}`]),
    // The CLI reads each value as JSON.
    ...Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...dynamicConfig }).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
}

/**
 * Waits until the frontend at `address` answers its health check as serving (then
 * GetSystemInfo), failing early if `server` exits. `options` carry TLS for a cluster.
 */
export async function waitForTemporal(address: string, server?: ManagedProcess, timeoutMs = 60_000, options: Omit<TemporalConnectionOptions, 'address'> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const exited = () => server !== undefined && (server.child.exitCode !== null || server.child.signalCode !== null);
  while (Date.now() < deadline && !exited()) {
    // Lazy, so that nothing calls GetSystemInfo before the frontend says it serves: the server logs
    // such an early call as an ERROR ("Frontend is not healthy yet").
    const connection = Connection.lazy({ ...options, address, connectTimeout: 1_000 });
    try {
      const { status } = await connection.healthService.check({ service: WORKFLOW_SERVICE });
      if (status !== SERVING) throw new Error(`frontend health: ${status}`);
      await connection.workflowService.getSystemInfo({});
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await connection.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(exited() ? `${server!.name} exited during start-up (code ${server!.child.exitCode ?? server!.child.signalCode})` : `Temporal at ${address} not ready: ${String(lastError)}`);
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<ManagedProcess> {
  const server = startProcess({
    name: 'temporal',
    command: options.binary,
    args: devServerArgs(options),
    ...(options.onLine && { onLine: options.onLine }),
  });
  try {
    await waitForTemporal(`${options.ip ?? '127.0.0.1'}:${options.port}`, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
