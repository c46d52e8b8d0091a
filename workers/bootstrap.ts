import os from 'node:os';
import { Client } from '@temporalio/client';
import { ApplicationFailure, type DataConverter, type Next } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type ActivityExecuteInput, type ActivityInboundCallsInterceptor, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { sql, type Kysely } from 'kysely';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { z } from 'zod';
import { databaseEnv, logEnv, parseConfig, SERVICE_SCHEMAS, serviceDatabaseUrl, temporalEnv, workerEnv, workflowEnv, type ServiceName } from '../common/config.js';
import { activityLogger } from '../common/activity-logger.js';
import { createDatabase } from '../common/database.js';
import { dataErrorCode } from '../common/database-errors.js';
import { DomainError, INVALID_DATA } from '../common/domain-error.js';
import { isRejectedOutcome } from '../common/outcome.js';
import { createLogger, type Logger } from '../common/logger.js';
import { runMain } from '../common/main.js';
import { startTelemetry, temporalTracingPlugin } from '../common/telemetry.js';
import { temporalLogger } from './temporal-logger.js';
import { freePort } from '../common/free-port.js';
import { startObservabilityServer } from './observability-server.js';
import { createStepDuration, StepMetrics } from './step-metrics.js';
import { TASK_QUEUES } from './task-queues.js';
import { checkEnvironment, type DevelopmentSetting } from '../common/environment.js';
import { temporalConnectionOptions, temporalDevelopmentSettings } from '../common/temporal-connection.js';
import { createDataConverter, createEncryptionCodec, payloadDevelopmentSettings, payloadEnv } from '../common/payload-codec.js';

/**
 * Refusals, returned as results (`{ ok: false }`, see common/outcome.ts), are logged at INFO as the
 * outcomes they are. A DomainError still thrown becomes a non-retryable failure of its type, logged
 * as a warning. Data that PostgreSQL refuses, which no retry could ever store, fails as INVALID_DATA and
 * is logged as a warning: something let it through.
 */
class DomainErrorToFailure implements ActivityInboundCallsInterceptor {
  constructor(private readonly log?: Logger) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    try {
      const result: unknown = await next(input);
      if (this.log && isRejectedOutcome(result)) activityLogger(this.log).info({ failureType: result.reason, reason: result.message }, 'activity rejected');
      return result;
    } catch (error) {
      if (error instanceof DomainError) {
        // Refusals are returned; one still thrown is a state no retry can change (a commit of a
        // released reservation): a fault, non-retryable so that it surfaces at once.
        if (this.log) activityLogger(this.log).warn({ failureType: error.type, reason: error.message }, 'activity failed for good');
        throw ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: true, details: error.details ? [error.details] : [] });
      }
      const sqlState = dataErrorCode(error);
      if (sqlState !== undefined) {
        if (this.log) activityLogger(this.log).warn({ failureType: INVALID_DATA, sqlState }, 'activity refused: PostgreSQL refused the data');
        throw ApplicationFailure.create({ message: `PostgreSQL refused the data (SQLSTATE ${sqlState})`, type: INVALID_DATA, nonRetryable: true, cause: error as Error });
      }
      throw error;
    }
  }
}

/**
 * DomainErrorToFailure as a plugin placed after the tracing plugin: its interceptor then runs
 * inside the activity's span, so its lines carry the trace, and the span records the failure
 * the workflow sees.
 */
const businessOutcomes = (log?: Logger): WorkerPlugin => ({
  name: 'orderflow-business-outcomes',
  configureWorker: (options) => ({
    ...options,
    interceptors: { ...options.interceptors, activity: [...(options.interceptors?.activity ?? []), () => ({ inbound: new DomainErrorToFailure(log) })] },
  }),
});

export interface ServiceWorkerOptions {
  service: ServiceName;
  /** Another task queue than the service's own (a second worker in the same process). */
  taskQueue?: string;
  connection: NativeConnection;
  namespace: string;
  activities: object;
  /** Hosts workflows from the prebuilt bundle: the order worker, and the notification process's webhooks worker. */
  workflowBundlePath?: string;
  identity?: string;
  /** Encrypts payloads; must match the clients' (see common/payload-codec.ts). */
  dataConverter?: DataConverter;
  /** Where each activity's time is counted; defaults to a private registry (tests). */
  registry?: Registry;
  /** The Temporal OpenTelemetry plugin (common/telemetry.ts); by default one that exports nothing. */
  tracing?: WorkerPlugin;
  /** Where business rejections are logged (none in tests). */
  log?: Logger;
  extra?: Partial<WorkerOptions>;
}

/** A worker polling only its own service's task queue. Used by the process entry points and by tests. */
export function createServiceWorker({ service, taskQueue, connection, namespace, activities, workflowBundlePath, identity, dataConverter, registry = new Registry(), tracing, log, extra }: ServiceWorkerOptions): Promise<Worker> {
  // A process's workers share one histogram (a registry takes a name once).
  const stepDuration = (registry.getSingleMetric('orderflow_saga_step_duration_seconds') as ReturnType<typeof createStepDuration> | undefined) ?? createStepDuration(registry);
  return Worker.create({
    // The tracing plugin's workflow interceptors are in the bundle already (workers/workflow-bundle.ts);
    // here it adds the activity interceptors and the sink that takes the workflow's spans.
    plugins: [tracing ?? temporalTracingPlugin(), businessOutcomes(log)],
    connection,
    namespace,
    ...(dataConverter && { dataConverter }),
    taskQueue: taskQueue ?? TASK_QUEUES[service],
    activities,
    ...(workflowBundlePath && { workflowBundle: { codePath: workflowBundlePath } }),
    identity: identity ?? `${service}@${os.hostname()}:${process.pid}`,
    interceptors: { activity: [() => ({ inbound: new StepMetrics(stepDuration) })] },
    // In-flight activities get this long to finish after SIGTERM before they are cancelled.
    shutdownGraceTime: '10s',
    ...extra,
  });
}

export interface ServiceContext<DB, Own> {
  db: Kysely<DB>;
  log: Logger;
  /** The service's own settings, parsed with everyone else's (see ServiceConfig). */
  config: Own;
  /** Where the service registers its business metrics, served on WORKER_METRICS_ADDRESS. */
  registry: Registry;
}

/** A service's own settings: their schema (parsed once, with the shared ones) and which of them are development conveniences. */
export interface ServiceConfig<S extends z.ZodType> {
  env: S;
  developmentSettings: (config: z.infer<S>) => DevelopmentSetting[];
}

/** What a service's extra workers and start-up hooks get: a client on the worker's own connection. */
export interface ServiceTemporal {
  client: Client;
}

/** Another task queue the service's process polls, with a Worker of its own. */
export interface ExtraTaskQueue {
  taskQueue: string;
  activities: object;
  /** Also hosts the workflows, from WORKFLOW_BUNDLE_PATH (the order worker's bundle), with the same bounded cache (WORKER_MAX_CACHED_WORKFLOWS). */
  workflows?: boolean;
  extra?: Partial<WorkerOptions>;
}

/**
 * The worker options of another task queue: one that hosts workflows gets the bounded workflow cache
 * the order worker has (WORKER_MAX_CACHED_WORKFLOWS), unless the queue sets its own.
 */
export function extraQueueWorkerOptions(queue: Pick<ExtraTaskQueue, 'workflows' | 'extra'>, maxCachedWorkflows: number): Partial<WorkerOptions> {
  return { ...(queue.workflows && { maxCachedWorkflows }), ...queue.extra };
}

export interface ServiceSetup {
  activities: object;
  dispose?: () => Promise<void> | void;
  /** More task queues (built once Temporal is connected: their activities may need a client). */
  moreTaskQueues?: (temporal: ServiceTemporal) => ExtraTaskQueue[];
  /** Called as the workers start polling, not awaited (it must not hold them up); `stopping` aborts at shutdown. */
  started?: (temporal: ServiceTemporal & { stopping: AbortSignal }) => void;
}

/**
 * Runs every worker of the process until all have stopped (SIGTERM drains each); one that fails
 * stops the others, and its error is the process's.
 */
async function runWorkers(workers: Worker[]): Promise<void> {
  const runs = workers.map((worker) =>
    worker.run().catch((error: unknown) => {
      for (const other of workers) if (other !== worker && other.getState() === 'RUNNING') other.shutdown();
      throw error;
    }),
  );
  const failed = (await Promise.allSettled(runs)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The entry point every service worker shares: parse config once, connect to Temporal and
 * to the service's own schema with its own role, run until SIGINT/SIGTERM (the SDK's runtime
 * drains in-flight tasks), then close connections.
 */
export function runServiceWorker<DB, S extends z.ZodType = z.ZodObject>(
  service: ServiceName,
  setup: (ctx: ServiceContext<DB, z.infer<S>>) => ServiceSetup,
  /** Settings of this service alone; their development conveniences are refused in production mode. */
  own?: ServiceConfig<S>,
): void {
  runMain(async () => {
    const env = process.env;
    const config = parseConfig({ log: logEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, worker: workerEnv, payloads: payloadEnv, own: own?.env ?? z.object({}) }, env);
    const { temporal, database, payloads } = config;
    const { WORKFLOW_BUNDLE_PATH } = config.workflow;
    const { WORKER_METRICS_ADDRESS, WORKER_SDK_METRICS_PORT, WORKER_MAX_CACHED_WORKFLOWS } = config.worker;
    checkEnvironment(env, [...payloadDevelopmentSettings(env), ...temporalDevelopmentSettings(temporal), ...(own?.developmentSettings(config.own as z.infer<S>) ?? [])]);
    const log = createLogger(`worker:${service}`, config.log.LOG_LEVEL);
    // The SDK's own Prometheus exporter listens on a private loopback port; the worker's
    // observability server serves its metrics together with ours on WORKER_METRICS_ADDRESS.
    const sdkMetricsAddress = WORKER_METRICS_ADDRESS && `127.0.0.1:${WORKER_SDK_METRICS_PORT ?? (await freePort())}`;
    const telemetry = startTelemetry(`orderflow-worker-${service}`, env);
    Runtime.install({
      logger: temporalLogger(log.child({ sdk: true })),
      shutdownSignals: ['SIGINT', 'SIGTERM'],
      ...(sdkMetricsAddress && {
        telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress }, globalTags: { service } } },
      }),
    });
    const db = createDatabase<DB>({
      url: serviceDatabaseUrl(service, 'owner', database.DATABASE_URL, env),
      schema: SERVICE_SCHEMAS[service],
      poolMax: database.DATABASE_POOL_MAX,
      applicationName: `orderflow-worker-${service}`,
    });
    const registry = new Registry();
    // Node's own (heap, GC, event loop lag), as the API serves them: a worker's memory is read from outside as RSS, and from here.
    collectDefaultMetrics({ register: registry, labels: { service } });
    const { activities, dispose, moreTaskQueues, started } = setup({ db, log, config: config.own as z.infer<S>, registry });
    const connection = await NativeConnection.connect(temporalConnectionOptions(temporal));
    const observability =
      WORKER_METRICS_ADDRESS && sdkMetricsAddress
        ? startObservabilityServer({
            address: WORKER_METRICS_ADDRESS,
            registry,
            sdkMetricsUrl: `http://${sdkMetricsAddress}/metrics`,
            checks: {
              temporal: () => connection.workflowService.getSystemInfo({}),
              [`postgres:${SERVICE_SCHEMAS[service]}`]: () => sql`SELECT 1 FROM ${sql.table(`${SERVICE_SCHEMAS[service]}.kysely_migration`)} LIMIT 1`.execute(db),
            },
            log,
          })
        : undefined;
    // Every worker that hosts workflows (the order worker; the notification process's webhooks
    // worker, an ExtraTaskQueue with `workflows`) bounds its memory with the same cache: runs beyond
    // it (parked orders, DeliverWebhooks runs waiting on a retry) are evicted, and replayed when they wake.
    const workflowCache = { maxCachedWorkflows: WORKER_MAX_CACHED_WORKFLOWS };
    const hostsWorkflows = service === 'order';
    const dataConverter = createDataConverter(createEncryptionCodec(payloads));
    const stopping = new AbortController();
    try {
      const common = { service, connection, namespace: temporal.TEMPORAL_NAMESPACE, dataConverter, registry, tracing: telemetry.temporalPlugin, log };
      const worker = await createServiceWorker({ ...common, activities, ...(hostsWorkflows && { workflowBundlePath: WORKFLOW_BUNDLE_PATH, extra: workflowCache }) });
      const client = moreTaskQueues || started ? new Client({ connection, namespace: temporal.TEMPORAL_NAMESPACE, dataConverter, plugins: [telemetry.temporalPlugin] }) : undefined;
      const queues = client && moreTaskQueues ? moreTaskQueues({ client }) : [];
      const extras = await Promise.all(
        queues.map((queue) =>
          createServiceWorker({
            ...common,
            taskQueue: queue.taskQueue,
            activities: queue.activities,
            ...(queue.workflows && { workflowBundlePath: WORKFLOW_BUNDLE_PATH }),
            extra: extraQueueWorkerOptions(queue, WORKER_MAX_CACHED_WORKFLOWS),
          }),
        ),
      );
      const hostingWorkflows = hostsWorkflows || queues.some((queue) => queue.workflows);
      log.info({ node: process.version, taskQueue: [TASK_QUEUES[service], ...queues.map((queue) => queue.taskQueue)].join(','), namespace: temporal.TEMPORAL_NAMESPACE, address: temporal.TEMPORAL_ADDRESS, ...(hostingWorkflows && workflowCache) }, 'worker started');
      if (client && started) started({ client, stopping: stopping.signal });
      await runWorkers([worker, ...extras]);
      log.info('worker stopped');
    } finally {
      stopping.abort();
      observability?.close();
      await connection.close();
      await dispose?.();
      await db.destroy();
      await telemetry.shutdown();
    }
  });
}
