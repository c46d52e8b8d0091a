import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { SERVICES } from '../../common/config.js';
import { freePort } from '../../common/free-port.js';
import type { ManagedProcess } from '../../dev/processes.js';
import { startPrometheus } from '../../dev/prometheus.js';
import { ROOT } from '../../dev/stack.js';
import { createStockedProduct } from '../support/catalog.js';
import { serviceDatabases } from '../support/databases.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// Debian's Prometheus on the committed configuration and rules, scraping a running stack: every
// target up, the rules loaded, and an order moving the business counters.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
let prometheus: ManagedProcess;
let prometheusUrl: string;
let dir: string;

beforeAll(async () => {
  await smtp.start();
  stack = await TestStack.start({ name: 'prometheus', smtpUrl: smtp.url, workerEndpoints: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-prometheus-'));
  const listen = `127.0.0.1:${await freePort()}`;
  prometheusUrl = `http://${listen}`;
  prometheus = await startPrometheus({
    dir,
    listen,
    interval: '1s',
    targets: {
      api: [new URL(stack.metricsUrl).host],
      workers: [...stack.app.workers.keys()].map((name) => ({ name, address: new URL(stack.workerUrl(name)).host })),
      temporal: [stack.temporalMetricsAddress],
    },
    onLine: () => {},
  });
});

afterAll(async () => {
  await prometheus?.stop();
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const api = async <T>(pathname: string): Promise<T> => ((await (await fetch(`${prometheusUrl}${pathname}`)).json()) as { data: T }).data;
const query = async (promql: string) => {
  const result = await api<{ result: Array<{ value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
  return result.result.length === 0 ? undefined : Number(result.result[0]!.value[1]);
};

describe('Prometheus against a running stack', () => {
  it('scrapes every target: the API, each worker and the Temporal server', async () => {
    await vi.waitFor(async () => {
      const { activeTargets } = await api<{ activeTargets: Array<{ labels: { job: string }; health: string }> }>('/api/v1/targets');
      expect(activeTargets.map((target) => `${target.labels.job}:${target.health}`).sort()).toEqual([
        'orderflow-api:up',
        ...Array(SERVICES.length).fill('orderflow-workers:up'),
        'temporal:up',
      ]);
    }, { timeout: 30_000, interval: 250 });
  });

  it('loads the alert rules, none firing on a healthy stack', async () => {
    const { groups } = await api<{ groups: Array<{ name: string; rules: Array<{ name: string; state: string }> }> }>('/api/v1/rules');
    const rules = groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.name)).toEqual(expect.arrayContaining(['OrderflowOrdersStuckPending', 'OrderflowEmailBacklog', 'OrderflowWebhookRelayStalled', 'OrderflowWebhookDeliveriesFailing', 'OrderflowPaymentsFailing', 'OrderflowPaymentDeclineSurge', 'OrderflowActivityFailureRate', 'OrderflowTargetDown']));
    expect(rules.filter((rule) => rule.state === 'firing')).toEqual([]);
  });

  it('sees a paid order and a declined one move the business counters', async () => {
    const placedBefore = (await query('sum(orderflow_orders_placed_total)')) ?? 0;
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const token = await stack.token('scraped');
    const order = (method: string) => stack.request('POST', '/orders', { token, body: { lines: [{ sku, quantity: 1 }], payment: { method } }, headers: { prefer: 'wait=30' } });
    expect((await order(TEST_PAYMENT_METHODS.succeeds)).body.status).toBe('CONFIRMED');
    expect((await order(TEST_PAYMENT_METHODS.declined)).body.status).toBe('REJECTED');
    await vi.waitFor(async () => {
      expect(await query('sum(orderflow_orders_placed_total)')).toBe(placedBefore + 2);
      expect(await query('sum(orderflow_payments_authorised_total)')).toBeGreaterThanOrEqual(1);
      expect(await query('sum(orderflow_payments_declined_total)')).toBeGreaterThanOrEqual(1);
      expect(await query('sum(orderflow_payment_amount_cents_total{operation="authorised"})')).toBeGreaterThanOrEqual(1);
      expect(await query('sum(orderflow_orders_decided_total{outcome="confirmed"})')).toBeGreaterThanOrEqual(1);
      expect(await query('sum(orderflow_stock_commits_total)')).toBeGreaterThanOrEqual(1);
      expect(await query('sum(http_requests_total{route="/orders",method="POST"})')).toBeGreaterThanOrEqual(1);
    }, { timeout: 30_000, interval: 250 });
  });

  it("answers every query of the Grafana dashboard, each over series the stack really exports", async () => {
    const dashboard = JSON.parse(await readFile(path.join(ROOT, 'ops', 'grafana', 'orderflow.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr.replaceAll('$__rate_interval', '1m') })));
    expect(queries.length).toBeGreaterThan(15);
    const exported = new Set(await api<string[]>('/api/v1/label/__name__/values'));
    for (const { panel, expr } of queries) {
      const response = (await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string };
      expect({ panel, status: response.status }).toEqual({ panel, status: 'success' });
      // Failures exist only once something failed: the one series a healthy stack lacks.
      const names = [...expr.matchAll(/\b((?:orderflow|temporal|http)_[a-z_]+)/g)].map((match) => match[1]!).filter((name) => name !== 'temporal_activity_execution_failed');
      for (const name of names) expect({ panel, name, exported: exported.has(name) }).toEqual({ panel, name, exported: true });
    }
  });
});
