import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FRONTEND_SERVER_NAME, createCa, issueCertificate } from '../../dev/cluster/certs.js';
import { startTemporalCluster, type TemporalCluster } from '../../dev/cluster/temporal-cluster.js';
import { dropTemporalDatabases, temporalDatabases } from '../../dev/cluster/temporal-schema.js';
import { findGoTool, TEMPORAL_SERVER } from '../../dev/go-binaries.js';
import { ROOT } from '../../dev/stack.js';
import { serviceDatabases } from '../support/databases.js';
import { countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// The app on a real Temporal cluster: two server nodes on PostgreSQL behind HAProxy, mTLS on
// every hop, two replicas of each worker. Addresses apart from `npm run up -- --cluster`'s.
const NODES = ['127.0.30.2', '127.0.30.3'];
const ADDRESS = '127.0.30.1:7233';
const DATABASE_PREFIX = `temporal_test_${randomUUID().slice(0, 8)}`;

const smtp = new SmtpSink();
const dbs = serviceDatabases();
const adminUrl = inject('adminUrl');
const say = (line: string) => console.info(`cluster: ${line}`);
let dataDir: string;
let cluster: TemporalCluster;
let stack: TestStack;
let log: WriteStream | undefined;

beforeAll(async () => {
  const tools = findGoTool(TEMPORAL_SERVER);
  if (!tools) throw new Error('The Temporal server is not built: run the tests with `npm test`, which builds it first (dev/go-binaries.ts).');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-cluster-'));
  await smtp.start();
  const logs = path.join(ROOT, '.data', 'test', 'logs');
  await mkdir(logs, { recursive: true });
  const temporalLog = createWriteStream(path.join(logs, 'cluster-temporal.log'), { flags: 'w' });
  log = temporalLog;
  cluster = await startTemporalCluster({
    binaries: { server: tools.server!, sql: tools.sql! },
    dataDir,
    adminUrl,
    databasePrefix: DATABASE_PREFIX,
    nodeAddresses: NODES,
    address: ADDRESS,
    namespace: 'default',
    metricsPort: 9462,
    logLevel: 'warn',
    say,
    output: (name) => (line) => temporalLog.write(`${name.padEnd(12)}| ${line}\n`),
  });
  stack = await TestStack.start({
    name: 'cluster',
    smtpUrl: smtp.url,
    replicas: 'product=2,inventory=2,order=2,notification=2',
    temporal: { env: cluster.clientEnv, connection: cluster.connectionOptions() },
    env: { ORDER_CANCELLATION_WINDOW: '1s' },
  });
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
  await smtp.stop();
  await dbs.destroy();
  await dropTemporalDatabases(adminUrl, temporalDatabases(DATABASE_PREFIX));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  log?.end();
});

/**
 * A burst of one-line orders as clients send them: each with its own Idempotency-Key, `perSecond`
 * at a time; a 503 (Temporal unreachable for a moment) is retried after Retry-After with the
 * same key, as the API asks. Calls `onAccepted` with the count as orders are accepted.
 */
async function sendBurst(sku: string, count: number, onAccepted: (accepted: number) => void): Promise<{ orderIds: string[]; retried: number }> {
  let accepted = 0;
  let retried = 0;
  const send = async (i: number): Promise<string> => {
    const token = await stack.token(`node-loss-${i}`);
    const key = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const response = await stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }] }, headers: { 'idempotency-key': key } });
      if (response.status === 202) {
        onAccepted(++accepted);
        return response.body.orderId as string;
      }
      expect(response.status, JSON.stringify(response.body)).toBe(503);
      if (attempt > 20) throw new Error(`order ${i}: still 503 after ${attempt} attempts`);
      retried++;
      await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(response.headers.get('retry-after') ?? 1)));
    }
  };
  const orderIds: Array<Promise<string>> = [];
  for (let i = 0; i < count; i++) {
    orderIds.push(send(i));
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { orderIds: await Promise.all(orderIds), retried };
}

describe('orderflow on a two-node Temporal cluster behind HAProxy, with mTLS', () => {
  it('places an order end to end through the load balancer', async () => {
    const sku = await createProduct(stack, 5, 'CLUSTER');
    const placed = await stack.request('POST', '/orders', { token: await stack.token('cluster-buyer'), body: { lines: [{ sku, quantity: 2 }] }, headers: { prefer: 'wait=30' } });
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ status: 'CONFIRMED', lines: [{ sku, quantity: 2 }] });
    const outcomes = await settledOrders(stack.client, [placed.body.orderId]);
    await expectConsistent(dbs, outcomes, { [sku]: 5 }, smtp);
  });

  it('does not oversell: 200 orders for 50 in stock, exactly 50 confirmed', async () => {
    const sku = await createProduct(stack, 50, 'CLBURST');
    const orderIds = await placeOrders(stack, singleLineOrders(sku, 200), 'cluster-burst');
    const outcomes = await settledOrders(stack.client, orderIds);
    expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: 50, REJECTED: 150 });
    await expectConsistent(dbs, outcomes, { [sku]: 50 }, smtp);
  });

  it('refuses a client without a certificate, with one from another CA, and in plain text', async () => {
    const ca = await readFile(cluster.certs.ca.cert);
    const otherDir = path.join(dataDir, 'other-ca');
    const otherCa = await createCa(otherDir, 'other-ca');
    const stranger = await issueCertificate(otherCa, otherDir, 'stranger', { usage: ['clientAuth'] });
    const attempts = {
      'no certificate': { serverRootCACertificate: ca, serverNameOverride: FRONTEND_SERVER_NAME },
      'another CA': { serverRootCACertificate: ca, serverNameOverride: FRONTEND_SERVER_NAME, clientCertPair: { crt: await readFile(stranger.cert), key: await readFile(stranger.key) } },
    };
    for (const [label, tls] of Object.entries(attempts)) {
      await expect(
        Connection.connect({ address: ADDRESS, tls, connectTimeout: '5s' }).then(async (connection) => {
          // Some TLS stacks finish the handshake before the server's verdict: the first call fails then.
          try {
            await connection.workflowService.getSystemInfo({});
          } finally {
            await connection.close();
          }
        }),
        label,
      ).rejects.toThrow();
    }
    await expect(Connection.connect({ address: ADDRESS, connectTimeout: '5s' }).then((connection) => connection.close()), 'plain text').rejects.toThrow();
    // And the app's certificate is accepted on the same address.
    const connection = await Connection.connect(cluster.connectionOptions());
    await expect(connection.workflowService.getSystemInfo({})).resolves.toBeDefined();
    await connection.close();
  });

  for (const index of [0, 1]) {
    it(`loses nothing when node ${index + 1} of 2 is killed (kill -9) mid-burst, and it rejoins`, async () => {
      const ORDERS = 60;
      const STOCK = 40;
      const sku = await createProduct(stack, STOCK, `NODE${index + 1}`);
      const started = Date.now();
      let killed: Promise<void> | undefined;
      const { orderIds, retried } = await sendBurst(sku, ORDERS, (accepted) => {
        if (accepted === ORDERS / 3 && !killed) killed = cluster.nodes[index]!.kill();
      });
      await killed;
      const outcomes = await settledOrders(stack.client, orderIds);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.info(`node ${NODES[index]} killed after ${ORDERS / 3} of ${ORDERS} orders: all settled in ${seconds} s (${retried} POSTs retried after 503)`, countBy(outcomes.values(), (o) => o.status));
      expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: STOCK, REJECTED: ORDERS - STOCK });
      await expectConsistent(dbs, outcomes, { [sku]: STOCK }, smtp);

      // The node comes back and rejoins: it serves on its own address, and (next test) carries the cluster alone.
      await cluster.restartNode(index);
      const direct = await Connection.connect({ ...cluster.connectionOptions(), address: `${NODES[index]}:7233` });
      await expect(direct.workflowService.describeNamespace({ namespace: 'default' })).resolves.toBeDefined();
      await direct.close();
    });
  }

  it('serves an order through the load balancer once both nodes have been killed and restarted', async () => {
    const sku = await createProduct(stack, 1, 'REJOINED');
    const placed = await stack.request('POST', '/orders', { token: await stack.token('after-restarts'), body: { lines: [{ sku, quantity: 1 }] }, headers: { prefer: 'wait=30' } });
    expect(placed.body).toMatchObject({ status: 'CONFIRMED' });
  });
});
