import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serviceDatabases, uniqueSku } from '../support/databases.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { untilPast } from '../support/time.js';
import { getOrderState, orderWorkflowId } from '../../workflows/place-order.contract.js';
import type { PlaceOrder } from '../../workflows/place-order.js';

// Every endpoint of API.md over HTTP, against the real processes: success and error cases.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
let admin: string;
let operator: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  await smtp.start();
  stack = await TestStack.start({ name: 'api-contract', smtpUrl: smtp.url, env: { ORDER_CANCELLATION_WINDOW: '8s' } });
  [admin, operator, alice, bob] = await Promise.all([
    stack.token('root', ['admin']),
    stack.token('ops', ['operator']),
    stack.token('alice', ['customer']),
    stack.token('bob', ['customer']),
  ]);
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

/** A lamp at 45.00 EUR with 10 in stock, unless `fields` say otherwise. */
const newProduct = (fields: Record<string, unknown> = {}) => createProduct(stack, 10, 'API', { description: 'A lamp', priceCents: 4500, currency: 'EUR', ...fields });

const placeAndWait = (token: string, lines: Array<{ sku: string; quantity: number }>, headers: Record<string, string> = {}) =>
  stack.request('POST', '/orders', { token, body: { lines }, headers: { prefer: 'wait=30', ...headers } });

/**
 * A POST on its own connection: the server answers 413 before reading a too-large body and
 * closes that connection, which must not take a pooled keep-alive socket down with it.
 */
function postOnFreshConnection(pathname: string, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${stack.apiUrl}${pathname}`,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    // The server may close before the whole body is written; the response is what counts.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    request.end(body);
  });
}

type ProductPage = { items: Array<{ sku: string }>; nextCursor: string | null };

const expectError = (response: { status: number; body: unknown }, status: number, code: string) => {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(JSON.stringify(response.body)).not.toMatch(/at .+\.ts:\d+/);
};

describe('health, docs', () => {
  it('answers liveness and readiness', async () => {
    expect(await stack.request('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await stack.request('GET', '/readyz')).status).toBe(200);
  });

  it('publishes OpenAPI 3.1 with every path, and an interactive page', async () => {
    const spec = await stack.request('GET', '/openapi.json');
    expect(spec.body.openapi).toBe('3.1.0');
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/products',
        '/products/{sku}',
        '/inventory',
        '/inventory/{sku}',
        '/inventory/{sku}/adjustments',
        '/orders',
        '/orders/{orderId}',
        '/orders/{orderId}/cancel',
        '/orders/{orderId}/notifications',
        '/codec/encode',
        '/codec/decode',
      ]),
    );
    const docs = await fetch(`${stack.apiUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });

  it('answers unknown routes with the error shape', async () => {
    expectError(await stack.request('GET', '/nope'), 404, 'NOT_FOUND');
  });
});

describe('products', () => {
  it('creates a product with its stock record, together', async () => {
    const sku = uniqueSku('API');
    const created = await stack.request('POST', '/products', { token: admin, body: { sku, name: 'Desk lamp', priceCents: 4500, initialStock: 7 } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/products/${sku}`);
    expect(created.body).toMatchObject({ sku, name: 'Desk lamp', description: '', priceCents: 4500, currency: 'EUR', active: true, stock: { onHand: 7, reserved: 0 } });
    expect((await stack.request('GET', `/products/${sku}`)).body).toMatchObject({ sku, name: 'Desk lamp' });
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toEqual({ sku, onHand: 7, reserved: 0, available: 7, inStock: true });
    const ledger = await dbs.inventory.selectFrom('movements').select(['kind', 'on_hand_delta', 'actor']).where('sku', '=', sku).execute();
    expect(ledger).toEqual([{ kind: 'INITIAL', on_hand_delta: 7, actor: 'root' }]);
  });

  it('refuses a second product with the same SKU, even concurrently, with 409', async () => {
    const sku = uniqueSku('API');
    const body = { sku, name: 'Twin', priceCents: 100, initialStock: 1 };
    const results = await Promise.all([1, 2, 3].map(() => stack.request('POST', '/products', { token: admin, body })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expectError(await stack.request('POST', '/products', { token: admin, body }), 409, 'CONFLICT');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 1 });
  });

  it('validates every field and rejects unknown ones, changing nothing', async () => {
    const sku = uniqueSku('API');
    const valid = { sku, name: 'Ok', priceCents: 100, initialStock: 1 };
    for (const body of [
      { ...valid, sku: 'lower-case' },
      { ...valid, name: '' },
      { ...valid, priceCents: -1 },
      { ...valid, priceCents: 1.5 },
      { ...valid, currency: 'euro' },
      { ...valid, initialStock: -3 },
      { ...valid, colour: 'red' },
      { sku },
    ]) {
      expectError(await stack.request('POST', '/products', { token: admin, body }), 400, 'VALIDATION_FAILED');
    }
    expect((await stack.request('GET', `/products/${sku}`)).status).toBe(404);
  });

  it('lets only admins create: 401 without a token, 401 with a bad one, 403 for others', async () => {
    const body = { sku: uniqueSku('API'), name: 'X', priceCents: 1, initialStock: 1 };
    expectError(await stack.request('POST', '/products', { body }), 401, 'UNAUTHENTICATED');
    expectError(await stack.request('POST', '/products', { body, token: 'not-a-jwt' }), 401, 'UNAUTHENTICATED');
    expectError(await stack.request('POST', '/products', { body, token: alice }), 403, 'FORBIDDEN');
    expectError(await stack.request('POST', '/products', { body, token: operator }), 403, 'FORBIDDEN');
  });

  it('answers 415 for a body that is not JSON, and 413 for one too large', async () => {
    const notJson = await fetch(`${stack.apiUrl}/products`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' }, body: 'hello' });
    expect(notJson.status).toBe(415);
    expect(await notJson.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const huge = { sku: uniqueSku('API'), name: 'X', description: 'x'.repeat(200_000), priceCents: 1, initialStock: 1 };
    const tooLarge = await postOnFreshConnection('/products', admin, JSON.stringify(huge));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    const malformed = await fetch(`${stack.apiUrl}/products`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"sku":' });
    expect(malformed.status).toBe(400);
  });

  it('updates name, description, price and active; an inactive product leaves the list and rejects orders', async () => {
    const sku = await newProduct();
    const patched = await stack.request('PATCH', `/products/${sku}`, { token: admin, body: { name: 'Floor lamp', description: 'Tall', priceCents: 9900 } });
    expect(patched).toMatchObject({ status: 200, body: { sku, name: 'Floor lamp', description: 'Tall', priceCents: 9900, active: true } });

    expect((await stack.request('PATCH', `/products/${sku}`, { token: admin, body: { active: false } })).body.active).toBe(false);
    const listed = await stack.request('GET', `/products?q=${sku}`);
    expect(listed.body.items).toEqual([]);
    const order = await placeAndWait(alice, [{ sku, quantity: 1 }]);
    expect(order.body).toMatchObject({ status: 'REJECTED', reason: 'INACTIVE_PRODUCT' });
  });

  it('refuses bad updates: 404 unknown SKU, 400 empty or unknown fields, 403 non-admin', async () => {
    const sku = await newProduct();
    expectError(await stack.request('PATCH', `/products/${uniqueSku('NONE')}`, { token: admin, body: { name: 'x' } }), 404, 'NOT_FOUND');
    expectError(await stack.request('PATCH', `/products/${sku}`, { token: admin, body: {} }), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('PATCH', `/products/${sku}`, { token: admin, body: { sku: 'OTHER-1' } }), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('PATCH', `/products/${sku}`, { token: alice, body: { name: 'x' } }), 403, 'FORBIDDEN');
  });

  it('lists active products with search and cursor pagination', async () => {
    const tag = `Q${randomUUID().slice(0, 6)}`;
    const skus = [await newProduct({ name: `Chair ${tag} a` }), await newProduct({ name: `Chair ${tag} b` }), await newProduct({ name: `Chair ${tag} c` })];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: ProductPage } = await stack.request<ProductPage>('GET', `/products?q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(skus.sort());
    expectError(await stack.request('GET', '/products?limit=0'), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('GET', '/products?limit=101'), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('GET', '/products?cursor=garbage'), 400, 'VALIDATION_FAILED');
  });

  it('answers 404 for an unknown SKU and 400 for a malformed one', async () => {
    expectError(await stack.request('GET', `/products/${uniqueSku('NONE')}`), 404, 'NOT_FOUND');
    expectError(await stack.request('GET', '/products/not%20a%20sku'), 400, 'VALIDATION_FAILED');
  });
});

describe('inventory', () => {
  it('answers stock levels, and the batch in-stock check for a quantity', async () => {
    const sku = await newProduct({ initialStock: 3 });
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toEqual({ sku, onHand: 3, reserved: 0, available: 3, inStock: true });
    const unknown = uniqueSku('NONE');
    const check = await stack.request('GET', `/inventory?sku=${sku}&sku=${unknown}&quantity=3`);
    expect(check.body.items).toEqual([
      { sku, available: 3, inStock: true },
      { sku: unknown, available: 0, inStock: false },
    ]);
    expect((await stack.request('GET', `/inventory?sku=${sku}&quantity=4`)).body.items[0].inStock).toBe(false);
    expectError(await stack.request('GET', `/inventory/${uniqueSku('NONE')}`), 404, 'NOT_FOUND');
    expectError(await stack.request('GET', '/inventory'), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('GET', `/inventory?sku=${sku}&quantity=0`), 400, 'VALIDATION_FAILED');
  });

  it('restocks and writes off, recording each movement with its reason and actor', async () => {
    const sku = await newProduct({ initialStock: 5 });
    expect((await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 10, reason: 'delivery 42' } })).body).toMatchObject({ onHand: 15 });
    expect((await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: -4, reason: 'broken in transit' } })).body).toMatchObject({ onHand: 11 });
    const ledger = await dbs.inventory.selectFrom('movements').select(['kind', 'on_hand_delta', 'reason', 'actor']).where('sku', '=', sku).orderBy('id').execute();
    expect(ledger).toEqual([
      { kind: 'INITIAL', on_hand_delta: 5, reason: 'initial stock', actor: 'root' },
      { kind: 'ADJUSTMENT', on_hand_delta: 10, reason: 'delivery 42', actor: 'root' },
      { kind: 'ADJUSTMENT', on_hand_delta: -4, reason: 'broken in transit', actor: 'root' },
    ]);
  });

  it('never takes on-hand below what is reserved (409), and refuses bad adjustments', async () => {
    const sku = await newProduct({ initialStock: 2 });
    expectError(await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: -3, reason: 'stocktake' } }), 409, 'CONFLICT');
    expectError(await stack.request('POST', `/inventory/${uniqueSku('NONE')}/adjustments`, { token: admin, body: { delta: 1, reason: 'restock' } }), 404, 'NOT_FOUND');
    expectError(await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 0, reason: 'nothing' } }), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, body: { delta: 1 } }), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('POST', `/inventory/${sku}/adjustments`, { token: operator, body: { delta: 1, reason: 'restock' } }), 403, 'FORBIDDEN');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 2 });
  });

  it('applies an adjustment once per Idempotency-Key; another body under the key is a 409', async () => {
    const sku = await newProduct({ initialStock: 1 });
    const headers = { 'idempotency-key': `restock-${sku}` };
    const first = await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, headers, body: { delta: 5, reason: 'restock' } });
    const again = await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, headers, body: { delta: 5, reason: 'restock' } });
    expect(first.body).toMatchObject({ onHand: 6 });
    expect(again.body).toMatchObject({ onHand: 6 });
    expectError(await stack.request('POST', `/inventory/${sku}/adjustments`, { token: admin, headers, body: { delta: 7, reason: 'restock' } }), 409, 'CONFLICT');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 6 });
  });
});

describe('orders', () => {
  it('places an order: 202 + Location, then decided with Prefer: wait', async () => {
    const sku = await newProduct();
    const placed = await stack.request('POST', '/orders', { token: alice, body: { lines: [{ sku, quantity: 2 }] } });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.orderId}`);
    const waited = await placeAndWait(alice, [{ sku, quantity: 1 }]);
    expect(waited.status).toBe(200);
    expect(waited.headers.get('preference-applied')).toBe('wait=30');
    expect(waited.body).toMatchObject({ customerId: 'alice', status: 'CONFIRMED', totalCents: 4500, currency: 'EUR' });
  });

  it('maps an Idempotency-Key to one order; another body under the key is a 409', async () => {
    const sku = await newProduct();
    const headers = { 'idempotency-key': `checkout-${randomUUID()}` };
    const attempts = await Promise.all([1, 2, 3].map(() => placeAndWait(alice, [{ sku, quantity: 1 }], headers)));
    expect(new Set(attempts.map((a) => a.body.orderId)).size).toBe(1);
    expect(attempts.every((a) => a.body.status === 'CONFIRMED')).toBe(true);
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 9 });
    expectError(await placeAndWait(alice, [{ sku, quantity: 2 }], headers), 409, 'CONFLICT');
    // The key is the customer's own: bob's identical key is another order.
    const bobs = await placeAndWait(bob, [{ sku, quantity: 1 }], headers);
    expect(bobs.body.orderId).not.toBe(attempts[0]!.body.orderId);
  });

  it('rejects invalid orders with 400 and starts nothing', async () => {
    const sku = await newProduct();
    for (const body of [
      { lines: [] },
      { lines: [{ sku, quantity: 0 }] },
      { lines: [{ sku, quantity: 1.5 }] },
      { lines: [{ sku, quantity: 1 }, { sku, quantity: 2 }] },
      { lines: [{ sku: 'bad sku', quantity: 1 }] },
      { lines: [{ sku, quantity: 1 }], coupon: 'FREE' },
      { lines: [{ sku, quantity: 1 }], shippingAddress: { name: 'A' } },
    ]) {
      expectError(await stack.request('POST', '/orders', { token: alice, body }), 400, 'VALIDATION_FAILED');
    }
    expectError(await stack.request('POST', '/orders', { token: alice, body: { lines: [{ sku, quantity: 1 }] }, headers: { 'idempotency-key': 'has space' } }), 400, 'VALIDATION_FAILED');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 10 });
  });

  it('lets only customers place orders', async () => {
    const body = { lines: [{ sku: 'ANY-1', quantity: 1 }] };
    expectError(await stack.request('POST', '/orders', { body }), 401, 'UNAUTHENTICATED');
    expectError(await stack.request('POST', '/orders', { body, token: operator }), 403, 'FORBIDDEN');
  });

  it('rejects unknown products and missing stock with a reason', async () => {
    const sku = await newProduct({ initialStock: 1 });
    expect((await placeAndWait(alice, [{ sku: uniqueSku('NONE'), quantity: 1 }])).body).toMatchObject({ status: 'REJECTED', reason: 'UNKNOWN_PRODUCT' });
    expect((await placeAndWait(alice, [{ sku, quantity: 2 }])).body).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
  });

  it('shows an order to its owner, operators and admins; to another customer it does not exist', async () => {
    const sku = await newProduct();
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 1 }])).body;
    for (const token of [alice, operator, admin]) {
      expect(await stack.request('GET', `/orders/${orderId}`, { token })).toMatchObject({ status: 200, body: { orderId, status: 'CONFIRMED' } });
    }
    expectError(await stack.request('GET', `/orders/${orderId}`, { token: bob }), 404, 'NOT_FOUND');
    expectError(await stack.request('GET', `/orders/${randomUUID()}`, { token: alice }), 404, 'NOT_FOUND');
    expectError(await stack.request('GET', '/orders/not-a-uuid', { token: alice }), 400, 'VALIDATION_FAILED');
    expectError(await stack.request('GET', `/orders/${orderId}`), 401, 'UNAUTHENTICATED');
  });

  it('lists orders newest first: customers their own, staff all, filtered by status', async () => {
    const sku = await newProduct({ initialStock: 1 });
    const carol = await stack.token(`carol-${randomUUID().slice(0, 6)}`);
    const first = (await placeAndWait(carol, [{ sku, quantity: 1 }])).body.orderId;
    const second = (await placeAndWait(carol, [{ sku, quantity: 1 }])).body.orderId;
    const own = await stack.request('GET', '/orders', { token: carol });
    expect(own.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([second, first]);
    const rejected = await stack.request('GET', '/orders?status=REJECTED', { token: carol });
    expect(rejected.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([second]);
    const paged = await stack.request('GET', '/orders?limit=1', { token: carol });
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
    const staff = await stack.request('GET', '/orders?limit=100', { token: operator });
    expect(new Set(staff.body.items.map((o: { customerId: string }) => o.customerId)).size).toBeGreaterThan(1);
    expectError(await stack.request('GET', '/orders?status=LOST', { token: carol }), 400, 'VALIDATION_FAILED');
  });

  it('lists the emails sent for an order', async () => {
    const sku = await newProduct();
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 1 }])).body;
    await smtp.waitFor(() => smtp.forOrder(orderId).length === 1);
    // The worker records the email SENT once the SMTP server has accepted it: a moment after the sink has it.
    const notifications = await vi.waitFor(
      async () => {
        const answer = await stack.request('GET', `/orders/${orderId}/notifications`, { token: alice });
        expect(answer.body.items.map((item: { status: string }) => item.status)).toEqual(['SENT']);
        return answer;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(notifications.body.items).toEqual([
      { kind: 'ORDER_CONFIRMED', reference: null, to: 'alice@example.test', status: 'SENT', messageId: expect.stringContaining(orderId), sentAt: expect.any(String) },
    ]);
    expect(smtp.forOrder(orderId)[0]!.parsed.messageId).toBe(notifications.body.items[0].messageId);
    expectError(await stack.request('GET', `/orders/${orderId}/notifications`, { token: bob }), 404, 'NOT_FOUND');
  });
});

describe('cancellation', () => {
  it('cancels a confirmed order inside the window: stock back, customer emailed', async () => {
    const sku = await newProduct({ initialStock: 4 });
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 3 }])).body;
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 1 });
    const cancelled = await stack.request('POST', `/orders/${orderId}/cancel`, { token: alice });
    expect(cancelled).toMatchObject({ status: 200, body: { orderId, status: 'CANCELLED' } });
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 4, reserved: 0 });
    await smtp.waitFor(() => smtp.forOrder(orderId).length === 2);
    const kinds = (await stack.request('GET', `/orders/${orderId}/notifications`, { token: alice })).body.items.map((n: { kind: string }) => n.kind);
    expect(kinds.sort()).toEqual(['ORDER_CANCELLED', 'ORDER_CONFIRMED']);
    // Cancelling again is answered with the cancelled order, and changes nothing.
    expect((await stack.request('POST', `/orders/${orderId}/cancel`, { token: alice })).body.status).toBe('CANCELLED');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 4 });
  });

  it('gives concurrent cancels one cancellation', async () => {
    const sku = await newProduct({ initialStock: 4 });
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 2 }])).body;
    const answers = await Promise.all([alice, operator, admin, alice].map((token) => stack.request('POST', `/orders/${orderId}/cancel`, { token })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const releases = await dbs.inventory.selectFrom('movements').select('kind').where('order_id', '=', orderId).where('kind', '=', 'RELEASE').execute();
    expect(releases).toHaveLength(1);
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 4 });
  });

  it('answers 409 after the window, 409 for a rejected order, 404 for someone else', async () => {
    const sku = await newProduct({ initialStock: 4 });
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 1 }])).body;
    expectError(await stack.request('POST', `/orders/${orderId}/cancel`, { token: bob }), 404, 'NOT_FOUND');
    // The customer's window (8 s here) is no timer and no end of the run (a confirmed order awaits
    // its first shipment): it is a time, set at confirmation, that a cancel's validator compares
    // with its own arrival. The wait is for that time itself.
    const handle = stack.client.workflow.getHandle<typeof PlaceOrder>(orderWorkflowId(orderId));
    const { customerCancellableUntil } = await handle.query(getOrderState);
    await untilPast(new Date(customerCancellableUntil!));
    expectError(await stack.request('POST', `/orders/${orderId}/cancel`, { token: alice }), 409, 'CONFLICT');
    expect((await stack.request('GET', `/orders/${orderId}`, { token: alice })).body.status).toBe('CONFIRMED');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 3 });

    const rejected = (await placeAndWait(alice, [{ sku, quantity: 99 }])).body.orderId;
    expectError(await stack.request('POST', `/orders/${rejected}/cancel`, { token: alice }), 409, 'CONFLICT');
  });
});

describe('metrics', () => {
  it('serves Prometheus text on its own listener, with traffic by route pattern, never by order ID', async () => {
    expectError(await stack.request('GET', '/metrics'), 404, 'NOT_FOUND');
    const response = await fetch(stack.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const sample = (name: string, labels: string[]) =>
      text.split('\n').find((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)));
    expect(sample('http_requests_total', ['method="POST"', 'route="/orders"', 'status="202"', 'service="api"'])).toMatch(/ \d+$/);
    expect(sample('http_request_duration_seconds_bucket', ['le="0.1"', 'method="GET"', 'route="/orders/:orderId"'])).toMatch(/ \d+$/);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});

describe('codec (for the Temporal Web UI)', () => {
  const encryptedInputOf = async (orderId: string) => {
    const history = await stack.client.workflow.getHandle(`order-${orderId}`).fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    return payloadToJSON(payload) as { metadata: Record<string, string>; data: string };
  };

  it('decrypts workflow payloads for operators and admins only', async () => {
    const sku = await newProduct();
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 1 }])).body;
    const encrypted = await encryptedInputOf(orderId);
    expect(Buffer.from(encrypted.data, 'base64').toString()).not.toContain('alice@example.test');

    const decoded = await stack.request('POST', '/codec/decode', { token: operator, body: { payloads: [encrypted] } });
    expect(decoded.status).toBe(200);
    const input = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString());
    expect(input).toMatchObject({ orderId, customerEmail: 'alice@example.test', lines: [{ sku, quantity: 1 }] });

    const reencoded = await stack.request('POST', '/codec/encode', { token: admin, body: decoded.body });
    expect(reencoded.body.payloads[0].metadata.encoding).toBe(Buffer.from('binary/encrypted').toString('base64'));

    expectError(await stack.request('POST', '/codec/decode', { body: { payloads: [encrypted] } }), 401, 'UNAUTHENTICATED');
    expectError(await stack.request('POST', '/codec/decode', { token: alice, body: { payloads: [encrypted] } }), 403, 'FORBIDDEN');
    expectError(await stack.request('POST', '/codec/decode', { token: operator, body: { payloads: 'x' } }), 400, 'VALIDATION_FAILED');
    const garbage = { metadata: encrypted.metadata, data: Buffer.from('not a ciphertext at all').toString('base64') };
    expectError(await stack.request('POST', '/codec/decode', { token: operator, body: { payloads: [garbage] } }), 400, 'VALIDATION_FAILED');
  });

  it("answers the Web UI's CORS preflight for its origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.apiUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
      });
    const ui = await preflight('http://127.0.0.1:8233');
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ui.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the local Web UI, which has no login, under the install\'s secret path only', async () => {
    const sku = await newProduct();
    const { orderId } = (await placeAndWait(alice, [{ sku, quantity: 1 }])).body;
    const encrypted = await encryptedInputOf(orderId);
    const local = `/codec/${stack.prepared.secrets.CODEC_LOCAL_PATH}/decode`;
    const decoded = await stack.request('POST', local, { body: { payloads: [encrypted] } });
    expect(decoded.status).toBe(200);
    expect(JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString())).toMatchObject({ orderId });
    expect(decoded.headers.get('cache-control')).toBe('no-store');
    expectError(await stack.request('POST', '/codec/not-the-secret-path-at-all/decode', { body: { payloads: [encrypted] } }), 404, 'NOT_FOUND');
    const spec = await stack.request('GET', '/openapi.json');
    expect(JSON.stringify(spec.body)).not.toContain(stack.prepared.secrets.CODEC_LOCAL_PATH);
    expect(await (await fetch(stack.metricsUrl)).text()).not.toContain(stack.prepared.secrets.CODEC_LOCAL_PATH);
  });

  it("accepts the Temporal CLI's empty payload list", async () => {
    const empty = await stack.request('POST', '/codec/decode', { token: operator, body: {} });
    expect(empty).toMatchObject({ status: 200, body: { payloads: [] } });
  });
});
