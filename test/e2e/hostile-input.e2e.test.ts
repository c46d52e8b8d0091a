import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adjustmentRequestId } from '../../api/admin-workflows.js';
import { orderIdFor } from '../../api/order-workflows.js';
import { encodeCursor } from '../../common/pagination.js';
import { ROOT } from '../../dev/stack.js';
import { serviceDatabases, uniqueSku } from '../support/databases.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// Input as an attacker or a careless client sends it. Every refusal is a 4xx in the error
// shape that changed nothing: no row, no stock movement, no workflow. Whatever is accepted
// never lies in plaintext in Temporal's database.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
let admin: string;
let customer: string;
const CUSTOMER = 'hostile-customer';

beforeAll(async () => {
  await smtp.start();
  // Limits out of the way: this suite sends far more than a customer would (see rate-limit.e2e.test.ts).
  stack = await TestStack.start({ name: 'hostile-input', smtpUrl: smtp.url, env: { RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000' } });
  admin = await stack.token('root', ['admin']);
  customer = await stack.token(CUSTOMER, ['customer'], 'hostile.customer@example.test');
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

type Response = Awaited<ReturnType<TestStack['request']>>;

const expect4xx = (response: Response, status = 400) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  expect(JSON.stringify(response.body)).not.toMatch(/SQLSTATE|22P05|22021|at .+\.ts:\d+|postgres/i);
};

/** What a refused request must not have changed. */
async function snapshot() {
  const count = async (query: Promise<{ n: number | string }>) => Number((await query).n);
  return {
    orders: await count(dbs.order.selectFrom('orders').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()),
    products: await count(dbs.product.selectFrom('products').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()),
    stockRecords: await count(dbs.inventory.selectFrom('stock').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()),
    movements: await count(dbs.inventory.selectFrom('movements').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()),
    stock: (await dbs.inventory.selectFrom('stock').select([sql<string>`sum(on_hand)`.as('onHand'), sql<string>`sum(reserved)`.as('reserved')]).executeTakeFirstOrThrow()),
    workflows: (await stack.client.workflow.count()).count,
  };
}

async function countListed(query: string): Promise<number> {
  let listed = 0;
  for await (const execution of stack.client.workflow.list({ query })) if (execution.workflowId) listed += 1;
  return listed;
}

/**
 * Visibility is eventually consistent: once a marker workflow started now is listed, so is any
 * workflow started before it. The marker polls a task queue nobody serves and is terminated.
 */
async function settleVisibility(): Promise<void> {
  const marker = await stack.client.workflow.start('VisibilityMarker', { taskQueue: `marker-${randomUUID()}`, workflowId: `marker-${randomUUID()}` });
  await vi.waitFor(async () => expect(await countListed(`WorkflowId = '${marker.workflowId}'`)).toBe(1), { timeout: 10_000, interval: 50 });
  await marker.terminate('visibility marker');
}

/** Sends hostile requests and proves each was refused, and that together they changed nothing and started no workflow (by ID, and by count). */
async function expectRefusedAndInert(sends: Array<[() => Promise<Response>, number]>, workflowIds: string[]) {
  await settleVisibility();
  const before = await snapshot();
  for (const [send, status] of sends) expect4xx(await send(), status);
  for (const workflowId of workflowIds) {
    await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }
  await settleVisibility();
  // The only new execution is the second marker.
  expect(await snapshot()).toEqual({ ...before, workflows: before.workflows + 1 });
}

const address = (overrides: Record<string, string> = {}) => ({ name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB', ...overrides });

const placeKeyed = (body: unknown, key = `hostile-${randomUUID()}`) => ({
  workflowId: `order-${orderIdFor(CUSTOMER, key)}`,
  send: () => stack.request('POST', '/orders', { token: customer, body, headers: { 'idempotency-key': key } }),
});

// Each hostile request's refusal (status, error shape, no workflow asked for) is a fast test
// (api/hostile-input.test.ts, api/errors.test.ts). Here: one of each kind against the real stack
// changes nothing in any database and starts no workflow.
describe('after a hostile-input run, nothing changed', () => {
  it('text, an oversized total, and SKUs the services do not have: refused, no row, no movement, no workflow', async () => {
    const sku = await createProduct(stack, 1_000_000, 'HOSTILE');
    const dear = await createProduct(stack, 100, 'HOSTILE', { priceCents: 100_000_000 });
    const ghost = uniqueSku('GHOST');
    const order = placeKeyed({ lines: [{ sku, quantity: 1 }], shippingAddress: address({ line1: 'Baker\u0000Street' }) });
    const tooLarge = placeKeyed({ lines: [{ sku: dear, quantity: 22 }] });
    const newSku = uniqueSku('HOSTILE');
    const key = `hostile-${randomUUID()}`;
    await expectRefusedAndInert(
      [
        [order.send, 400],
        [tooLarge.send, 400],
        [() => stack.request('POST', '/products', { token: admin, body: { sku: newSku, name: 'Baker \ud800 Street', priceCents: 100, initialStock: 5 } }), 400],
        [() => stack.request('POST', '/products', { token: admin, body: { sku: newSku, name: 'Lamp', description: 'ring\u0007', priceCents: 100, initialStock: 5 } }), 400],
        [() => stack.request('POST', '/products', { token: admin, body: { sku, name: 'Twin', priceCents: 1, initialStock: 1 } }), 409],
        [() => stack.request('PATCH', `/products/${sku}`, { token: admin, body: { name: '\u001b[31mred' } }), 400],
        [() => stack.request('PATCH', `/products/${ghost}`, { token: admin, body: { name: 'Ghost' } }), 404],
        [() => stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 1, reason: 'rub\u007fout' }, headers: { 'idempotency-key': key } }), 400],
        [() => stack.request('POST', `/inventory/${ghost}/adjustments`, { token: admin, body: { delta: 1, reason: 'restock' } }), 404],
      ],
      [order.workflowId, tooLarge.workflowId, `product-${newSku}`, `stock-adjust-${sku}-${adjustmentRequestId('root', sku, key)}`],
    );
    expect(await stack.request('GET', `/inventory/${dear}`)).toMatchObject({ body: { onHand: 100, reserved: 0 } });
  });
});

// Cursors that pass the HTTP layer's pattern and are decoded by the services' read ports.
describe('query parameters and cursors: 400, never 500', () => {
  const cursors: Array<[string, string, string]> = [
    ['products', 'a cursor that decodes to a NUL', encodeCursor('\u0000')],
    ['products', 'a cursor that decodes to a lone surrogate', encodeCursor('\ud800')],
    ['products', 'a cursor that is not JSON', Buffer.from('{{{').toString('base64url')],
    ['orders', 'a non-UUID order id', encodeCursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])],
    ['orders', 'a NUL order id', encodeCursor(['2026-01-01T00:00:00.000Z', '\u0000'])],
    ['orders', 'the year -271821', encodeCursor(['-271821-04-20T00:00:00.000Z', randomUUID()])],
    ['orders', 'a number where a date goes', encodeCursor([8.64e15, randomUUID()])],
  ];

  it.each(cursors)('%s: %s', async (list, _name, cursor) => {
    expect4xx(await stack.request('GET', `/${list}?cursor=${encodeURIComponent(cursor)}`, { token: customer }));
  });

  // Invalid UTF-8 in the query is decoded to U+FFFD and reaches the database's search.
  it.each(['%ED%A0%80', '%C0%80'])('products: q=%s', async (q) => {
    const response = await stack.request('GET', `/products?q=${q}`);
    expect(response.status).toBeLessThan(500);
  });
});

// Any code point, lone surrogates and controls included: what a fuzzer or a broken client sends.
const anyCodeUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x9f }).map((unit) => String.fromCharCode(unit)) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const anyText = (maxLength = 40) => fc.string({ unit: anyCodeUnit, maxLength });
const RUNS = { numRuns: 40, endOnFailure: true };

describe('generated input over the full Unicode range: never a 5xx, never a workflow for a 4xx', () => {
  let sku: string;
  beforeAll(async () => {
    sku = await createProduct(stack, 1_000_000, 'FUZZ', { priceCents: 1 });
  });

  const notStarted = (workflowId: string) => expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  it('POST /orders', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ name: anyText(), line1: anyText(), city: anyText(), postalCode: anyText(20) }), async (fields) => {
        const order = placeKeyed({ lines: [{ sku, quantity: 1 }], shippingAddress: { ...fields, country: 'GB' } });
        const response = await order.send();
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) await notStarted(order.workflowId);
      }),
      RUNS,
    );
  });

  it('POST /orders with arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        const order = placeKeyed(body);
        const response = await order.send();
        expect4xx(response);
        await notStarted(order.workflowId);
      }),
      { numRuns: 60 },
    );
  });

  it('POST /products', async () => {
    await fc.assert(
      fc.asyncProperty(anyText(), anyText(120), async (name, description) => {
        const newSku = uniqueSku('FUZZ');
        const response = await stack.request('POST', '/products', { token: admin, body: { sku: newSku, name, description, priceCents: 1, initialStock: 1 } });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) await notStarted(`product-${newSku}`);
        else expect((await stack.request('GET', `/products/${newSku}`)).body).toMatchObject({ name: name.trim(), description: description.trim() });
      }),
      RUNS,
    );
  });

  it('PATCH /products/{sku}', async () => {
    const target = await createProduct(stack, 1, 'FUZZ');
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(anyText(), anyText(120), async (name, description) => {
        const response = await stack.request('PATCH', `/products/${target}`, { token: admin, body: { name, description } });
        expect(response.status).toBeLessThan(500);
        if (response.status < 400) accepted += 1;
      }),
      RUNS,
    );
    await settleVisibility();
    expect(await countListed(`WorkflowType = 'UpdateProduct' AND WorkflowId STARTS_WITH 'product-update-${target}-'`)).toBe(accepted);
  });

  it('POST /inventory/{sku}/adjustments', async () => {
    await fc.assert(
      fc.asyncProperty(anyText(), async (reason) => {
        const key = `fuzz-${randomUUID()}`;
        const response = await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 1, reason }, headers: { 'idempotency-key': key } });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) await notStarted(`stock-adjust-${sku}-${adjustmentRequestId('root', sku, key)}`);
      }),
      RUNS,
    );
  });
});

describe("personal data never lies in plaintext in Temporal's database", () => {
  it('holds no email, address, SKU-bearing failure message or server path, for a confirmed and a rejected order', async () => {
    const email = `pii-${randomUUID().slice(0, 8)}@example.test`;
    const line1 = `${randomUUID().slice(0, 8)} Privacy Lane`;
    const token = await stack.token(`pii-${randomUUID().slice(0, 8)}`, ['customer'], email);
    const sku = await createProduct(stack, 10, 'PII');
    const unknownSku = uniqueSku('NOSUCH');

    const place = (lines: Array<{ sku: string; quantity: number }>) =>
      stack.request('POST', '/orders', { token, body: { lines, shippingAddress: address({ line1 }) }, headers: { prefer: 'wait=30' } });
    expect((await place([{ sku, quantity: 1 }])).body).toMatchObject({ status: 'CONFIRMED' });
    const rejected = await place([{ sku: unknownSku, quantity: 1 }]);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
    // Both emails recorded: every activity of both orders has run and is in the history.
    await vi.waitFor(async () => {
      const sent = await dbs.notification.selectFrom('notifications').select('kind').where('recipient', '=', email).where('status', '=', 'SENT').execute();
      expect(sent.map((row) => row.kind).sort()).toEqual(['ORDER_CONFIRMED', 'ORDER_REJECTED']);
    }, { timeout: 30_000, interval: 100 });

    const files = await Promise.all(['', '-wal'].map((suffix) => readFile(`${stack.temporalDbFile}${suffix}`).catch(() => Buffer.alloc(0))));
    const bytes = Buffer.concat(files);
    expect(bytes.length).toBeGreaterThan(0);
    for (const needle of [email, line1, `Unknown product ${unknownSku}`, unknownSku, ROOT.replace(/\/$/, ''), 'DomainError', 'Ada Lovelace']) {
      expect({ needle, found: bytes.includes(needle) }).toEqual({ needle, found: false });
    }
  });
});

// Last, after every hostile request above: what an operator would find in the Web UI.
describe('after the whole hostile-input run', () => {
  it('the Web UI lists no Failed workflow: refusals are results, never failures', async () => {
    await settleVisibility();
    expect(await countListed(`ExecutionStatus = 'Failed'`)).toBe(0);
    expect(await countListed(`ExecutionStatus = 'Completed'`)).toBeGreaterThan(0);
  });
});
