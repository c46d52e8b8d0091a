import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { parseEnv, SERVICES, type ServiceName } from '../../common/config.js';
import { runMain } from '../../common/main.js';
import { TASK_QUEUES } from '../../workers/task-queues.js';
import { temporalConnectionOptions, temporalEnv } from '../../common/temporal-connection.js';
import { NOOP_ACTIVITIES } from './noop-activities.js';

/**
 * One twin worker process: the service's task queue in the twin namespace, its activities no-ops,
 * the SDK's default options; the order worker also runs the twins' workflows (TWIN_BUNDLE_PATH).
 * `TWIN_SERVICE=<service> tsx bench/twin/worker.ts`.
 */
runMain(async () => {
  const service = process.env.TWIN_SERVICE as ServiceName;
  if (!SERVICES.includes(service)) throw new Error(`TWIN_SERVICE: one of ${SERVICES.join(', ')}`);
  const namespace = process.env.TWIN_NAMESPACE ?? 'twin';
  const bundle = process.env.TWIN_BUNDLE_PATH;
  if (service === 'order' && !bundle) throw new Error('TWIN_BUNDLE_PATH: the twins\' workflow bundle');
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect(temporalConnectionOptions(parseEnv(temporalEnv)));
  try {
    const worker = await Worker.create({
      connection,
      namespace,
      taskQueue: TASK_QUEUES[service],
      activities: NOOP_ACTIVITIES[service],
      ...(service === 'order' && { workflowBundle: { codePath: bundle! } }),
    });
    await worker.run();
  } finally {
    await connection.close();
  }
});
