import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import { createInventoryActivities } from '../../activities/inventory/activities.js';
import { createNotificationActivities } from '../../activities/notification/activities.js';
import { createMailer } from '../../activities/notification/mailer.js';
import { createOrderActivities } from '../../activities/order/activities.js';
import { createPaymentActivities } from '../../activities/payment/activities.js';
import { createSandboxProvider } from '../../activities/payment/providers/sandbox.js';
import { createProductActivities } from '../../activities/product/activities.js';
import { createServiceWorker } from '../../workers/bootstrap.js';
import { CUSTOMER_ID, ORDER_STATUS } from '../../workflows/search-attributes.js';
import { silentLog } from './activity.js';
import { dataConverterFor } from './secrets.js';
import { serviceDatabases } from './databases.js';
import { PaymentSandboxServer } from './payment-sandbox.js';
import { SmtpSink } from './smtp-sink.js';

let runtimeInstalled = false;

/** The app's payload encryption with this run's key, as the processes under test use it. */
export const testDataConverter = dataConverterFor(inject('secrets'));

/** A real Temporal dev server from the local binary (never the SDK's download), with our search attributes. */
export async function startTestEnvironment(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    client: { dataConverter: testDataConverter },
    server: {
      executable: { type: 'existing-path', path: inject('temporalBinary') },
      searchAttributes: [ORDER_STATUS, CUSTOMER_ID],
    },
  });
}

export interface RunningWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

/** All five service workers in this process, each on its own task queue with its real activities; payments go to the sandbox at `paymentSandboxUrl`. */
export async function startServiceWorkers(
  env: TestWorkflowEnvironment,
  dbs: ReturnType<typeof serviceDatabases>,
  smtpUrl: string,
  paymentSandboxUrl: string,
): Promise<RunningWorkers> {
  const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter };
  const log = silentLog;
  const mailer = createMailer({ smtpUrl, outboxDir: '/nonexistent', from: 'Shop <shop@example.test>' });
  const workers = await Promise.all([
    createServiceWorker({ ...common, service: 'product', activities: createProductActivities({ db: dbs.product, log }) }),
    createServiceWorker({ ...common, service: 'inventory', activities: createInventoryActivities({ db: dbs.inventory, log }) }),
    createServiceWorker({ ...common, service: 'order', activities: createOrderActivities({ db: dbs.order, log }), workflowBundlePath: inject('workflowBundlePath') }),
    createServiceWorker({ ...common, service: 'notification', activities: createNotificationActivities({ db: dbs.notification, log, mailer, messageIdDomain: 'example.test' }) }),
    createServiceWorker({ ...common, service: 'payment', activities: createPaymentActivities({ db: dbs.payment, log, provider: createSandboxProvider({ url: paymentSandboxUrl, timeoutMs: 10_000 }) }) }),
  ]);
  const running = Promise.all(workers.map((worker) => worker.run()));
  return {
    workers,
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      mailer.close();
    },
  };
}

/**
 * Registers the hooks of a workflow test file: an SMTP sink, the payment sandbox, a local Temporal
 * server and all five service workers against the run's database. Read the parts inside tests
 * (after beforeAll); the sandbox's ledger: sandboxLedger(testbed.paymentSandbox.url, orderId).
 * `sandbox`: the sandbox's own options (a short authorisation validity).
 */
export function useWorkflowTestbed(sandbox: ConstructorParameters<typeof PaymentSandboxServer>[0] = {}) {
  const testbed = { dbs: serviceDatabases(), smtp: new SmtpSink(), paymentSandbox: new PaymentSandboxServer(sandbox) } as {
    dbs: ReturnType<typeof serviceDatabases>;
    smtp: SmtpSink;
    paymentSandbox: PaymentSandboxServer;
    env: TestWorkflowEnvironment;
    workers: RunningWorkers;
  };
  beforeAll(async () => {
    await testbed.smtp.start();
    await testbed.paymentSandbox.start();
    testbed.env = await startTestEnvironment();
    testbed.workers = await startServiceWorkers(testbed.env, testbed.dbs, testbed.smtp.url, testbed.paymentSandbox.url);
  });
  afterAll(async () => {
    await testbed.workers?.stop();
    await testbed.env?.teardown();
    await testbed.paymentSandbox.stop();
    await testbed.smtp.stop();
    await testbed.dbs.destroy();
  });
  return testbed;
}
