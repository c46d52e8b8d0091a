import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { ROOT } from '../../dev/stack.js';
import { createStockedProduct } from '../support/catalog.js';
import { serviceDatabases } from '../support/databases.js';
import { readSuiteLog, type LogLine } from '../support/log-file.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

const SUITE = 'observability';
const SERVICES = ['orderflow-api', 'orderflow-worker-order', 'orderflow-worker-product', 'orderflow-worker-inventory', 'orderflow-worker-notification', 'orderflow-worker-payment'];
const WORKERS = ['product-1', 'inventory-1', 'order-1', 'notification-1', 'payment-1'];

const isSql = (span: ReceivedSpan) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';

/** The trace as a person reads it: span names grouped by the service that made them. */
function outline(spans: ReceivedSpan[]): string {
  return SERVICES.map((service) => {
    const names = spans.filter((span) => span.service === service).map((span) => (isSql(span) ? `${span.name} (SQL)` : span.name));
    return `${service} (${names.length} spans)\n${names.map((name) => `  ${name}`).join('\n')}`;
  }).join('\n');
}

describe('traces and logs: one order, through every process', () => {
  const smtp = new SmtpSink();
  const receiver = new OtlpReceiver();
  const dbs = serviceDatabases();
  let stack: TestStack;

  beforeAll(async () => {
    await Promise.all([smtp.start(), receiver.start()]);
    stack = await TestStack.start({
      name: SUITE,
      smtpUrl: smtp.url,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([smtp.stop(), receiver.stop()]);
    await dbs.destroy();
  });

  // The caller's W3C trace context: the API continues it, so the whole order is under this trace ID.
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  let orderId: string;

  it('is one trace: spans from the API and all five services, down to SQL and SMTP', async () => {
    const sku = await createStockedProduct(dbs, { stock: 5 });
    const token = await stack.token('trace-customer');
    const placed = await read(
      stack.api(token).orders.$post({ json: { lines: [{ sku, quantity: 1 }], payment: { method: TEST_PAYMENT_METHODS.succeeds } }, header: { prefer: 'wait=30' } }, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } }),
    );
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ status: 'CONFIRMED' });
    orderId = placed.body.orderId;
    // The workflow's own span ends with its run, and a confirmed order's run goes on until it has
    // shipped, been delivered and its return window closed: the customer cancels it, in the same
    // trace, so that the run ends (compensation, the authorisation voided, cancellation and its email traced too).
    const cancelled = await read(
      stack.api(token).orders[':orderId'].cancel.$post({ param: { orderId } }, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } }),
    );
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED' });

    await vi.waitFor(
      () => {
        const spans = receiver.trace(traceId);
        expect(new Set(spans.map((span) => span.service))).toEqual(new Set(SERVICES));
        expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(['POST /orders', 'RunWorkflow:PlaceOrder', 'smtp send']));
        for (const service of SERVICES) expect(spans.filter((span) => span.service === service && isSql(span)), service).not.toEqual([]);
      },
      { timeout: 60_000, interval: 250 },
    );
    const spans = receiver.trace(traceId);
    await writeFile(path.join(ROOT, '.data', 'test', 'logs', `${SUITE}-trace.txt`), `${outline(spans)}\n`);

    // One tree: every span hangs from another span of the trace, the API's from the caller's.
    const ids = new Set([callerSpanId, ...spans.map((span) => span.spanId)]);
    expect(spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId))).toEqual([]);
    const api = spans.find((span) => span.name === 'POST /orders')!;
    expect(api).toMatchObject({ service: 'orderflow-api', parentSpanId: callerSpanId, attributes: { 'http.route': '/orders', 'http.response.status_code': 200 } });
    for (const activity of ['recordOrder', 'priceOrder', 'reserveOrderStock', 'authorisePayment', 'confirmOrder', 'commitReservation', 'sendOrderEmail', 'voidPayment']) {
      expect(spans.map((span) => span.name)).toContain(`RunActivity:${activity}`);
    }
    const smtpSpan = spans.find((span) => span.name === 'smtp send')!;
    expect(smtpSpan).toMatchObject({ service: 'orderflow-worker-notification', attributes: { 'server.address': '127.0.0.1', 'server.port': smtp.port } });
    // Bound values never leave the process: the customer's email is in no span.
    expect(JSON.stringify(spans)).not.toContain('trace-customer@example.test');
  });

  describe('logs', () => {
    let lines: LogLine[];
    beforeAll(async () => {
      // A rejection, for its log line.
      const token = await stack.token('log-customer');
      const rejected = await read(stack.api(token).orders.$post({ json: { lines: [{ sku: 'NOT-IN-CATALOG', quantity: 1 }] }, header: { prefer: 'wait=30' } }));
      expect(rejected.body).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
      await vi.waitFor(
        async () => {
          lines = await readSuiteLog(SUITE);
          // Pricing and reserving run together: both reject an unknown SKU, in either order.
          expect(lines.some((line) => line.json?.msg === 'activity rejected' && line.json.activity === 'priceOrder')).toBe(true);
        },
        { timeout: 10_000, interval: 200 },
      );
    });

    it('are JSON, one object per line, from every process of ours', () => {
      const ours = lines.filter((line) => line.process !== 'temporal');
      expect(ours.filter((line) => !line.json)).toEqual([]);
      expect(new Set(ours.map((line) => line.process))).toEqual(new Set(['api', ...WORKERS]));
      for (const worker of WORKERS) expect(lines.some((line) => line.process === worker && line.json?.msg === 'worker started'), worker).toBe(true);
    });

    it('name the runtime each process runs on: the Node LTS line of .node-version, whatever the machine\'s own Node', async () => {
      const major = (await readFile(path.join(ROOT, '.node-version'), 'utf8')).trim().split('.')[0];
      const banners = lines.filter((line) => line.json?.msg === 'worker started' || line.json?.msg === 'api listening');
      expect(new Set(banners.map((line) => line.process))).toEqual(new Set(['api', ...WORKERS]));
      for (const banner of banners) expect(banner.json?.node, banner.process).toMatch(new RegExp(`^v${major}\\.`));
    });

    it('have no warning or error on a healthy start and run', () => {
      const loud = lines.filter((line) => ['warn', 'error', 'fatal'].includes(String(line.json?.level)) || /level=(WARN|ERROR)/.test(line.text));
      expect(loud.map((line) => `${line.process}: ${line.text}`)).toEqual([]);
    });

    it('carry the order and the trace on the request line of POST /orders', () => {
      const request = lines.find((line) => line.json?.msg === 'request' && line.json.method === 'POST' && line.json.path === '/orders' && line.json.orderId === orderId);
      expect(request?.json).toMatchObject({ level: 'info', path: '/orders', status: 200, traceId, component: 'api' });
      expect(request?.json?.spanId).toMatch(/^[0-9a-f]{16}$/);
    });

    it('put trace IDs on the workers\' lines too: activities, and workflows through the SDK', () => {
      const inTrace = lines.filter((line) => line.json?.traceId === traceId);
      expect(inTrace.find((line) => line.json?.msg === 'email sent')?.process).toBe('notification-1');
      const workflowLine = lines.find((line) => line.json?.msg === 'order rejected');
      expect(workflowLine).toMatchObject({ process: 'order-1', json: { traceId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    });

    it('log a business rejection at INFO, without a task token', () => {
      const rejection = lines.find((line) => line.json?.msg === 'activity rejected' && line.json.activity === 'priceOrder');
      expect(rejection?.process).toBe('product-1');
      expect(rejection?.json).toMatchObject({ level: 'info', failureType: 'UNKNOWN_PRODUCT', activity: 'priceOrder', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
      expect(lines.filter((line) => line.text.includes('taskToken'))).toEqual([]);
    });

    it('keep probes and codec calls out of the INFO request log', () => {
      const machine = lines.filter((line) => line.json?.msg === 'request' && /^\/(healthz|readyz|codec\/)/.test(String(line.json.path)));
      expect(machine).toEqual([]);
    });
  });
});
