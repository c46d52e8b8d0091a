import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { FRONTEND_SERVER_NAME, createCa, issueCertificate } from '../../dev/cluster/certs.js';
import { NUM_HISTORY_SHARDS, startTemporalCluster, type TemporalCluster } from '../../dev/cluster/temporal-cluster.js';
import { dropTemporalDatabases, temporalDatabases } from '../../dev/cluster/temporal-schema.js';
import { findGoTool, TEMPORAL_SERVER } from '../../dev/go-binaries.js';
import { ROOT } from '../../dev/stack.js';
import { serviceDatabases } from '../support/databases.js';
import { burstOfClients, placeAsAClient } from '../support/clients.js';
import { countBy, expectConsistent, settledOrders } from '../support/invariants.js';
import { createProduct, placeOrders, singleLineOrders } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { probePlainText, probeTls } from '../support/tls-probe.js';

// The app on a real Temporal cluster: two server nodes on PostgreSQL behind HAProxy, mTLS on
// every hop, two replicas of each worker. Addresses apart from `npm run up -- --cluster`'s.
const execFileAsync = promisify(execFile);
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
    // Eight workers and the API share the one local PostgreSQL (max_connections 100) with both nodes' pools.
    env: { DATABASE_POOL_MAX: '4' },
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
    const stranger = await issueCertificate(await createCa(otherDir, 'other-ca'), otherDir, 'stranger', { usage: ['clientAuth'] });
    const asClient = (cert?: { cert: string; key: string }) =>
      probeTls(ADDRESS, { ca, servername: FRONTEND_SERVER_NAME, ...(cert && { cert: readFileSync(cert.cert), key: readFileSync(cert.key) }) });
    // The TLS handshake through the load balancer, as the server answers it.
    expect(await asClient(cluster.certs.client)).toEqual({ outcome: 'served', alpn: 'h2' });
    expect(await asClient()).toEqual({ outcome: 'refused', reason: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    expect(await asClient(stranger)).toEqual({ outcome: 'refused', reason: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(await probePlainText(ADDRESS)).toEqual({ outcome: 'closed' });
    // And as an SDK client sees it: no connection without the app's certificate.
    await expect(Connection.connect({ address: ADDRESS, tls: { serverRootCACertificate: ca, serverNameOverride: FRONTEND_SERVER_NAME }, connectTimeout: '3s' })).rejects.toThrow(/Failed to connect/);
  });

  for (const index of [0, 1]) {
    it(`loses nothing when node ${index + 1} of 2 is killed (kill -9) mid-burst, and it rejoins`, async () => {
      const ORDERS = 60;
      const STOCK = 40;
      const sku = await createProduct(stack, STOCK, `NODE${index + 1}`);
      const started = Date.now();
      let killed: Promise<void> | undefined;
      const { orderIds, statuses, unexpected } = await burstOfClients({ apiUrl: stack.apiUrl, token: (sub) => stack.token(`${sub}-node${index + 1}`) }, sku, {
        count: ORDERS,
        customers: ORDERS,
        onAccepted: (accepted) => {
          if (accepted === ORDERS / 3 && !killed) killed = cluster.nodes[index]!.kill();
        },
      });
      await killed;
      expect(unexpected).toEqual([]);
      const retried = statuses[503] ?? 0;
      const outcomes = await settledOrders(stack.client, orderIds);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.info(`node ${NODES[index]} killed after ${ORDERS / 3} of ${ORDERS} orders: all settled in ${seconds} s (${retried} POSTs retried after 503)`, countBy(outcomes.values(), (o) => o.status));
      expect(countBy(outcomes.values(), (o) => o.status)).toEqual({ CONFIRMED: STOCK, REJECTED: ORDERS - STOCK });
      await expectConsistent(dbs, outcomes, { [sku]: STOCK }, smtp);
      // The survivor took over every history shard of the dead node.
      const survivor = 1 - index;
      // (Its gauge is read from its metrics, which the server publishes on an interval.)
      await vi.waitFor(async () => expect((await cluster.shardsOwned())[survivor]).toBe(NUM_HISTORY_SHARDS), { timeout: 15_000, interval: 250 });

      // The node comes back and rejoins the ring: it owns shards again (restartNode waits for
      // that), serves on its own address, and (next test) carries the cluster alone.
      await cluster.restartNode(index);
      const shards = await cluster.shardsOwned();
      console.info(`node ${NODES[index]} restarted: history shards per node ${shards.join(' / ')}`);
      expect(shards[index]).toBeGreaterThan(0);
      const direct = await Connection.connect({ ...cluster.connectionOptions(), address: `${NODES[index]}:7233` });
      await expect(direct.workflowService.describeNamespace({ namespace: 'default' })).resolves.toBeDefined();
      await direct.close();
    });
  }

  it('serves an order through the load balancer once both nodes have been killed and restarted', async () => {
    const sku = await createProduct(stack, 1, 'REJOINED');
    const placed = await placeAsAClient(stack.apiUrl, await stack.token('after-restarts'), { lines: [{ sku, quantity: 1 }] }, { prefer: 'wait=30' });
    expect(placed).toMatchObject({ status: 200, body: { status: 'CONFIRMED' } });
  });

  it("operators' tools connect with the same settings: every history (node losses included) replays, and the temporal wrapper counts them", async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ORDERFLOW_ENV: 'development',
      ...stack.prepared.secrets,
      ...cluster.clientEnv,
      REPLAY_BUNDLE_PATH: path.join(dataDir, 'replay-bundle.js'),
    };
    const run = (entry: string, args: string[]) => execFileAsync(process.execPath, ['--import', 'tsx', path.join(ROOT, entry), ...args], { cwd: ROOT, env, timeout: 120_000 });
    const replay = JSON.parse((await run('cli/orderflow.ts', ['replay', '--json', '--query', "WorkflowType='PlaceOrder'"])).stdout) as { total: number; failed: number };
    expect(replay.failed).toBe(0);
    // 1 + 200 + 2 × 60 + 1 orders, each one workflow: no retried POST started a second one.
    expect(replay.total).toBe(322);
    const count = await run('cli/temporal.ts', ['workflow', 'count', '--query', "WorkflowType='PlaceOrder'"]);
    expect(count.stdout.trim()).toBe(`Total: ${replay.total}`);
  });
});
