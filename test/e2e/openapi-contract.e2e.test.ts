import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../common/free-port.js';
import { uniqueSku } from '../support/databases.js';
import { ContractValidator, operationsOf, type DocumentOperation, type ObservedResponse, type OpenApiDocument } from '../support/openapi-contract.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { WEBHOOK_LIMITS } from '../../activities/notification/webhooks.contract.js';
import { TestStack } from '../support/stack.js';
import { deleteEveryWebhook, WebhookReceiver } from '../support/webhook-receiver.js';

// Every operation of the document the API serves, exercised against the real processes as each
// role (admin, operator, customer, anonymous) with valid and invalid requests; every answer is
// held to the document (declared status, body schema, declared headers). Driven by the document:
// an operation without a case here fails the suite. Requests are raw HTTP on purpose: most of
// them are ones a typed client would refuse to build.

const ORDERS_PER_WINDOW = 20;
const WRITES_PER_WINDOW = 25;
const BODY_LIMIT = 8 * 1024;

const smtp = new SmtpSink();
/** Where the one enabled webhook subscription of this suite delivers (loopback: WEBHOOK_ALLOW_LOOPBACK). */
const receiver = new WebhookReceiver();
let stack: TestStack;
let document: OpenApiDocument;
let validator: ContractValidator;
let operations: Map<string, DocumentOperation>;
const run = randomUUID().slice(0, 8);
// Principals of this suite only: rate-limit counters live in the run's database, shared with other suites.
const tokens: Record<string, string> = {};

/** A token for the identity provider's keys (RS256), which are out of reach: nothing listens at JWT_JWKS_URL. */
const providerToken = [{ alg: 'RS256', typ: 'JWT' }, { sub: 'someone' }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2lnbmF0dXJl';

beforeAll(async () => {
  await smtp.start();
  await receiver.start();
  const [unreachable] = (await freePorts(1)) as [number];
  stack = await TestStack.start({
    name: 'openapi-contract',
    smtpUrl: smtp.url,
    env: {
      RATE_LIMIT_ORDERS: String(ORDERS_PER_WINDOW),
      RATE_LIMIT_ORDERS_WINDOW_SECONDS: '600',
      RATE_LIMIT_CATALOG_WRITES: String(WRITES_PER_WINDOW),
      RATE_LIMIT_CATALOG_WRITES_WINDOW_SECONDS: '600',
      API_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      // Beside the development secret: tokens signed by an identity provider that is down.
      JWT_JWKS_URL: `http://127.0.0.1:${unreachable}/.well-known/jwks.json`,
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    },
  });
  const served = await fetch(`${stack.apiUrl}/openapi.json`);
  expect(served.status).toBe(200);
  document = (await served.json()) as OpenApiDocument;
  validator = new ContractValidator(document);
  operations = new Map(operationsOf(document).map((operation) => [operation.operationId, operation]));
  for (const [name, roles] of Object.entries({ admin: ['admin'], operator: ['operator'], customer: ['customer'], other: ['customer'], webhookAdmin: ['admin'] } as const)) {
    tokens[name] = await stack.token(`${name}-${run}`, [...roles]);
  }
});

afterAll(async () => {
  if (stack) await deleteEveryWebhook(stack);
  await stack?.stop();
  await receiver.stop();
  await smtp.stop();
});

type As = 'admin' | 'operator' | 'customer' | 'other' | 'anonymous' | 'bad-token' | { token: string };
interface Call {
  as?: As;
  params?: Record<string, string>;
  query?: string;
  /** JSON, or a raw body with its Content-Type. */
  body?: unknown;
  raw?: { type: string; text: string };
  headers?: Record<string, string>;
}

/** One request, sent on a connection of its own (a 413 closes it before the body is read). */
function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<ObservedResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, headers: { ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => {
        const answered = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) answered.set(name, Array.isArray(value) ? value.join(', ') : value);
        resolve({ status: response.statusCode ?? 0, headers: answered, text });
      });
    });
    // The server may answer and close before the whole body is written; the answer is what counts.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    request.end(body);
  });
}

/** Calls an operation of the document; the answer must be `status` and hold to the document. */
async function call(operationId: string, status: number, { as = 'anonymous', params = {}, query, body, raw, headers = {} }: Call = {}) {
  const operation = operations.get(operationId);
  if (!operation) throw new Error(`no operation ${operationId} in the document`);
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${operationId}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const token = typeof as === 'object' ? as.token : as === 'anonymous' ? undefined : as === 'bad-token' ? 'not-a-jwt' : tokens[as];
  const text = raw?.text ?? (body === undefined ? undefined : JSON.stringify(body));
  const type = raw?.type ?? (body === undefined ? undefined : 'application/json');
  const response = await send(
    operation.method,
    `${stack.apiUrl}${path}${query ? `?${query}` : ''}`,
    { ...(token && { authorization: `Bearer ${token}` }), ...(type && { 'content-type': type }), ...headers },
    text,
  );
  expect(validator.check(operation, response), `${operationId} as ${JSON.stringify(as)}`).toEqual([]);
  expect(response.status, `${operationId} as ${JSON.stringify(as)}: ${response.text.slice(0, 300)}`).toBe(status);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- already held to the document's schema
  return { status: response.status, headers: response.headers, body: (response.text ? JSON.parse(response.text) : undefined) as any };
}

/**
 * The same request as each role, each with the status it must get; then with a token that is not
 * valid (401) and with one whose keys are out of reach (503, the identity provider down).
 */
async function asEachRole(operationId: string, statuses: Record<'admin' | 'operator' | 'customer' | 'anonymous', number>, request: Omit<Call, 'as'> = {}) {
  for (const [as, status] of Object.entries(statuses)) await call(operationId, status, { ...request, as: as as As });
  await call(operationId, 401, { ...request, as: 'bad-token' });
  const unavailable = await call(operationId, 503, { ...request, as: { token: providerToken } });
  expect(unavailable.headers.get('retry-after')).toBe('5');
}

/** What the API answers any body-taking operation before it looks at the body: not JSON (415), too large (413), malformed (400). */
async function bodyRules(operationId: string, as: As, params: Record<string, string> = {}, { malformed = true } = {}) {
  await call(operationId, 415, { as, params, raw: { type: 'text/plain', text: 'hello' } });
  await call(operationId, 413, { as, params, raw: { type: 'application/json', text: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT) }) } });
  if (malformed) await call(operationId, 400, { as, params, raw: { type: 'application/json', text: '{"sku":' } });
}

/**
 * The webhook cases' own writes go as another admin: catalog writes and webhook changes share a
 * per-admin limit, and `admin` spends its share on the catalog cases.
 */
const webhookAdmin = (): As => ({ token: tokens.webhookAdmin! });

/** A disabled subscription (nothing is delivered to it); its ID. */
async function disabledWebhook(): Promise<string> {
  const created = await call('createWebhook', 201, { as: webhookAdmin(), body: { url: receiver.url, events: ['order.placed'], enabled: false } });
  return created.body.subscriptionId as string;
}

let enabledWebhook: Promise<{ id: string; deliveryId: string }> | undefined;

/** The suite's one enabled subscription (order.confirmed, to the receiver) and a delivery it made: an order's confirmation. */
function deliveredWebhook(): Promise<{ id: string; deliveryId: string }> {
  enabledWebhook ??= (async () => {
    const created = await call('createWebhook', 201, { as: webhookAdmin(), body: { url: receiver.url, events: ['order.confirmed'], description: 'contract suite' } });
    const orderId = await confirmedOrder();
    await receiver.until((requests) => requests.some((request) => request.orderId === orderId), 60_000, `the confirmation of ${orderId}`);
    const log = await call('listWebhookDeliveries', 200, { as: webhookAdmin(), params: { id: created.body.subscriptionId }, query: 'limit=100' });
    const delivery = (log.body.items as Array<{ deliveryId: string; orderId: string }>).find((item) => item.orderId === orderId);
    expect(delivery, 'the delivery of the confirmation').toBeDefined();
    return { id: created.body.subscriptionId as string, deliveryId: delivery!.deliveryId };
  })();
  return enabledWebhook;
}

const newProduct = (fields: Record<string, unknown> = {}) => createProduct(stack, 10, 'OAS', { priceCents: 4500, ...fields });
const plainPayload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"hello":"world"}').toString('base64') };

/** The cases, by operationId: every operation of the document must have one. */
const CASES: Record<string, () => Promise<void>> = {
  async liveness() {
    await asEachRole('liveness', { admin: 200, operator: 200, customer: 200, anonymous: 200 });
  },

  async readiness() {
    await asEachRole('readiness', { admin: 200, operator: 200, customer: 200, anonymous: 200 });
  },

  async listProducts() {
    const sku = await newProduct();
    await asEachRole('listProducts', { admin: 200, operator: 200, customer: 200, anonymous: 200 }, { query: `q=${sku}&limit=1` });
    for (const query of ['limit=0', 'limit=101', 'limit=ten', 'cursor=garbage', 'cursor=%21%21', `q=${encodeURIComponent('a\u0000b')}`]) await call('listProducts', 400, { query });
  },

  async getProduct() {
    const sku = await newProduct();
    await asEachRole('getProduct', { admin: 200, operator: 200, customer: 200, anonymous: 200 }, { params: { sku } });
    await call('getProduct', 404, { params: { sku: uniqueSku('NONE') } });
    await call('getProduct', 400, { params: { sku: 'not a sku' } });
  },

  async createProduct() {
    const body = () => ({ sku: uniqueSku('OAS'), name: '  Desk lamp  ', priceCents: 4500, initialStock: 3 });
    const created = await call('createProduct', 201, { as: 'admin', body: body() });
    expect(created.headers.get('location')).toBe(`/products/${created.body.sku}`);
    expect(created.body.name).toBe('Desk lamp');
    await call('createProduct', 409, { as: 'admin', body: { ...body(), sku: created.body.sku } });
    for (const invalid of [{ ...body(), name: '   ' }, { ...body(), priceCents: -1 }, { ...body(), colour: 'red' }, { sku: uniqueSku('OAS') }]) {
      await call('createProduct', 400, { as: 'admin', body: invalid });
    }
    await asEachRole('createProduct', { admin: 201, operator: 403, customer: 403, anonymous: 401 }, { body: body() });
    await bodyRules('createProduct', 'admin');
  },

  async updateProduct() {
    const sku = await newProduct();
    await call('updateProduct', 200, { as: 'admin', params: { sku }, body: { priceCents: 3900 } });
    for (const invalid of [{}, { name: '   ' }, { sku: 'OTHER-1' }, { priceCents: 1.5 }]) await call('updateProduct', 400, { as: 'admin', params: { sku }, body: invalid });
    await call('updateProduct', 400, { as: 'admin', params: { sku: 'lower-case' }, body: { active: true } });
    await call('updateProduct', 404, { as: 'admin', params: { sku: uniqueSku('NONE') }, body: { active: true } });
    await asEachRole('updateProduct', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { params: { sku }, body: { active: true } });
    await bodyRules('updateProduct', 'admin', { sku });
  },

  async getStockLevel() {
    const sku = await newProduct();
    await asEachRole('getStockLevel', { admin: 200, operator: 200, customer: 200, anonymous: 200 }, { params: { sku } });
    await call('getStockLevel', 404, { params: { sku: uniqueSku('NONE') } });
    await call('getStockLevel', 400, { params: { sku: 'x' } });
  },

  async checkAvailability() {
    const sku = await newProduct();
    await asEachRole('checkAvailability', { admin: 200, operator: 200, customer: 200, anonymous: 200 }, { query: `sku=${sku}&sku=${uniqueSku('NONE')}&quantity=2` });
    for (const query of ['', 'quantity=1', `sku=${sku}&quantity=0`, 'sku=bad%20sku']) await call('checkAvailability', 400, { query });
  },

  async adjustStock() {
    const sku = await newProduct({ initialStock: 2 });
    const key = { 'idempotency-key': `restock-${sku}` };
    await call('adjustStock', 200, { as: 'admin', params: { sku }, body: { delta: 5, reason: 'delivery 1' }, headers: key });
    await call('adjustStock', 409, { as: 'admin', params: { sku }, body: { delta: 6, reason: 'delivery 1' }, headers: key });
    await call('adjustStock', 409, { as: 'admin', params: { sku }, body: { delta: -100, reason: 'stocktake' } });
    for (const invalid of [{ delta: 0, reason: 'nothing' }, { delta: 1 }, { delta: 1, reason: '   ' }]) await call('adjustStock', 400, { as: 'admin', params: { sku }, body: invalid });
    await call('adjustStock', 400, { as: 'admin', params: { sku }, body: { delta: 1, reason: 'restock' }, headers: { 'idempotency-key': 'has space' } });
    await call('adjustStock', 404, { as: 'admin', params: { sku: uniqueSku('NONE') }, body: { delta: 1, reason: 'restock' } });
    await asEachRole('adjustStock', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { params: { sku }, body: { delta: 1, reason: 'restock' } });
    await bodyRules('adjustStock', 'admin', { sku });
  },

  async placeOrder() {
    const sku = await newProduct();
    const lines = [{ sku, quantity: 1 }];
    const accepted = await call('placeOrder', 202, { as: 'customer', body: { lines } });
    expect(accepted.headers.get('location')).toBe(`/orders/${accepted.body.orderId}`);
    const key = { 'idempotency-key': `checkout-${randomUUID()}` };
    const decided = await call('placeOrder', 200, { as: 'customer', body: { lines }, headers: { ...key, prefer: 'wait=30' } });
    expect(decided.body.status).toBe('CONFIRMED');
    await call('placeOrder', 409, { as: 'customer', body: { lines: [{ sku, quantity: 2 }] }, headers: key });
    for (const invalid of [{ lines: [] }, { lines: [{ sku, quantity: 0 }] }, { lines, coupon: 'FREE' }, { lines, shippingAddress: { name: ' ' } }, { lines, payment: { method: '4242424242424242' } }]) {
      await call('placeOrder', 400, { as: 'customer', body: invalid });
    }
    await call('placeOrder', 400, { as: 'customer', body: { lines }, headers: { 'idempotency-key': 'has space' } });
    await asEachRole('placeOrder', { admin: 403, operator: 403, customer: 202, anonymous: 401 }, { body: { lines } });
    await bodyRules('placeOrder', 'customer');
  },

  async getOrder() {
    const orderId = await confirmedOrder();
    await asEachRole('getOrder', { admin: 200, operator: 200, customer: 200, anonymous: 401 }, { params: { orderId } });
    await call('getOrder', 404, { as: 'other', params: { orderId } });
    await call('getOrder', 404, { as: 'customer', params: { orderId: randomUUID() } });
    await call('getOrder', 400, { as: 'customer', params: { orderId: 'not-a-uuid' } });
  },

  async listOrders() {
    const orderId = await confirmedOrder();
    await asEachRole('listOrders', { admin: 200, operator: 200, customer: 200, anonymous: 401 }, { query: 'limit=1' });
    const page = await call('listOrders', 200, { as: 'customer', query: 'status=CONFIRMED&limit=1' });
    expect(page.body.items).toHaveLength(1);
    for (const query of ['status=LOST', 'limit=0', 'cursor=garbage']) await call('listOrders', 400, { as: 'customer', query });
    // Staff search: by customer, SKU (the order's product is its own) and time; `customer` is staff's alone.
    const { customerId, lines } = (await call('getOrder', 200, { as: 'customer', params: { orderId } })).body as { customerId: string; lines: Array<{ sku: string }> };
    const search = await call('listOrders', 200, { as: 'operator', query: `customer=${customerId}&sku=${lines[0]!.sku}&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z` });
    expect(search.body.items.map((item: { orderId: string }) => item.orderId)).toEqual([orderId]);
    await call('listOrders', 400, { as: 'operator', query: 'from=2026-12-07T00:00:00Z&to=2026-12-06T00:00:00Z' });
    await call('listOrders', 403, { as: 'customer', query: `customer=${customerId}` });
  },

  async cancelOrder() {
    const orderId = await confirmedOrder();
    await call('cancelOrder', 404, { as: 'other', params: { orderId } });
    await call('cancelOrder', 400, { as: 'customer', params: { orderId: 'not-a-uuid' } });
    await asEachRole('cancelOrder', { admin: 200, operator: 200, customer: 200, anonymous: 401 }, { params: { orderId } });
    const rejected = await call('placeOrder', 200, { as: 'customer', body: { lines: [{ sku: uniqueSku('NONE'), quantity: 1 }] }, headers: { prefer: 'wait=30' } });
    expect(rejected.body.status).toBe('REJECTED');
    await call('cancelOrder', 409, { as: 'customer', params: { orderId: rejected.body.orderId } });
    await bodyRules('cancelOrder', 'customer', { orderId }, { malformed: false });
  },

  async listOrderNotifications() {
    const orderId = await confirmedOrder();
    await asEachRole('listOrderNotifications', { admin: 200, operator: 200, customer: 200, anonymous: 401 }, { params: { orderId } });
    await call('listOrderNotifications', 404, { as: 'other', params: { orderId } });
    await call('listOrderNotifications', 400, { as: 'customer', params: { orderId: 'not-a-uuid' } });
  },

  async listOrderEvents() {
    const orderId = await confirmedOrder();
    await asEachRole('listOrderEvents', { admin: 200, operator: 200, customer: 200, anonymous: 401 }, { params: { orderId } });
    const first = await call('listOrderEvents', 200, { as: 'customer', params: { orderId }, query: 'limit=1' });
    expect(first.body.items.map((event: { type: string }) => event.type)).toEqual(['order.placed']);
    const rest = await call('listOrderEvents', 200, { as: 'customer', params: { orderId }, query: `cursor=${first.body.nextCursor}` });
    expect(rest.body.items.map((event: { type: string }) => event.type)).toEqual(['order.confirmed']);
    await call('listOrderEvents', 404, { as: 'other', params: { orderId } });
    await call('listOrderEvents', 404, { as: 'customer', params: { orderId: randomUUID() } });
    await call('listOrderEvents', 400, { as: 'customer', params: { orderId: 'not-a-uuid' } });
    for (const query of ['limit=0', 'cursor=garbage']) await call('listOrderEvents', 400, { as: 'customer', params: { orderId }, query });
  },

  async shipOrder() {
    const orderId = await confirmedOrder({ payment: { method: 'pm_card_visa' } });
    const body = { carrier: 'DHL', trackingNumber: `JD-${run}` };
    const key = { 'idempotency-key': `ship-${randomUUID()}` };
    await call('shipOrder', 400, { as: 'operator', params: { orderId }, body });
    for (const invalid of [{ ...body, carrier: ' ' }, { ...body, lines: [] }, { ...body, lines: [{ sku: 'LAMP-1', quantity: 0 }] }, { ...body, shipmentId: randomUUID() }]) {
      await call('shipOrder', 400, { as: 'operator', params: { orderId }, body: invalid, headers: key });
    }
    await call('shipOrder', 400, { as: 'operator', params: { orderId: 'not-a-uuid' }, body, headers: key });
    await call('shipOrder', 404, { as: 'operator', params: { orderId: randomUUID() }, body, headers: key });
    // Admin ships everything; the operator's request under the same key is the same shipment.
    await asEachRole('shipOrder', { admin: 201, operator: 201, customer: 403, anonymous: 401 }, { params: { orderId }, body, headers: key });
    const shipped = await call('shipOrder', 201, { as: 'operator', params: { orderId }, body, headers: key });
    expect(shipped.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(shipped.body).toMatchObject({ status: 'SHIPPED', shipments: [{ carrier: 'DHL', deliveredAt: null }] });
    // Captured at the first shipment: the order's payment as the document describes it.
    expect(shipped.body.payment).toMatchObject({ status: 'CAPTURED', amountCents: shipped.body.totalCents, capturedCents: shipped.body.totalCents, refundedCents: 0 });
    await call('shipOrder', 409, { as: 'operator', params: { orderId }, body: { ...body, carrier: 'UPS' }, headers: key });
    await call('shipOrder', 409, { as: 'operator', params: { orderId }, body, headers: { 'idempotency-key': `ship-${randomUUID()}` } });
    await bodyRules('shipOrder', 'operator', { orderId });
  },

  async deliverShipment() {
    const { orderId, shipmentId } = await shippedOrder();
    await call('deliverShipment', 400, { as: 'operator', params: { orderId, shipmentId: 'not-a-uuid' } });
    await call('deliverShipment', 404, { as: 'operator', params: { orderId, shipmentId: randomUUID() } });
    await call('deliverShipment', 404, { as: 'operator', params: { orderId: randomUUID(), shipmentId } });
    await asEachRole('deliverShipment', { admin: 200, operator: 200, customer: 403, anonymous: 401 }, { params: { orderId, shipmentId } });
    // A rejected order's workflow has completed: it takes no more Updates.
    const rejected = await call('placeOrder', 200, { as: 'customer', body: { lines: [{ sku: uniqueSku('NONE'), quantity: 1 }] }, headers: { prefer: 'wait=30' } });
    await call('deliverShipment', 409, { as: 'operator', params: { orderId: rejected.body.orderId, shipmentId } });
    await bodyRules('deliverShipment', 'operator', { orderId, shipmentId }, { malformed: false });
  },

  async requestReturn() {
    const { orderId, sku } = await deliveredOrder();
    const body = { lines: [{ sku, quantity: 1 }], reason: 'too small' };
    const key = { 'idempotency-key': `return-${randomUUID()}` };
    for (const invalid of [{ lines: [], reason: 'x' }, { ...body, reason: 'r'.repeat(501) }, { ...body, refundCents: 1 }]) await call('requestReturn', 400, { as: 'customer', params: { orderId }, body: invalid });
    await call('requestReturn', 400, { as: 'customer', params: { orderId: 'not-a-uuid' }, body });
    await call('requestReturn', 404, { as: 'other', params: { orderId }, body });
    await asEachRole('requestReturn', { admin: 403, operator: 403, customer: 201, anonymous: 401 }, { params: { orderId }, body, headers: key });
    const again = await call('requestReturn', 201, { as: 'customer', params: { orderId }, body, headers: key });
    expect(again.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(again.body.returns).toEqual([expect.objectContaining({ lines: body.lines, reason: 'too small', receivedAt: null })]);
    await call('requestReturn', 409, { as: 'customer', params: { orderId }, body: { ...body, reason: 'too big' }, headers: key });
    // Its one unit is already asked back.
    await call('requestReturn', 409, { as: 'customer', params: { orderId }, body });
    await bodyRules('requestReturn', 'customer', { orderId });
  },

  async receiveReturn() {
    const { orderId, sku } = await deliveredOrder();
    const asked = await call('requestReturn', 201, { as: 'customer', params: { orderId }, body: { lines: [{ sku, quantity: 1 }], reason: 'broken' } });
    const { returnId } = asked.body.returns[0];
    await call('receiveReturn', 400, { as: 'operator', params: { orderId, returnId }, body: { restock: 'yes' } });
    await call('receiveReturn', 400, { as: 'operator', params: { orderId, returnId: 'not-a-uuid' }, body: { restock: true } });
    await call('receiveReturn', 404, { as: 'operator', params: { orderId, returnId: randomUUID() }, body: { restock: true } });
    await asEachRole('receiveReturn', { admin: 200, operator: 200, customer: 403, anonymous: 401 }, { params: { orderId, returnId }, body: { restock: false } });
    const received = await call('receiveReturn', 200, { as: 'operator', params: { orderId, returnId }, body: { restock: false } });
    expect(received.body).toMatchObject({ status: 'RETURNED', returns: [{ returnId, restocked: false }] });
    await call('receiveReturn', 409, { as: 'operator', params: { orderId, returnId }, body: { restock: true } });
    await bodyRules('receiveReturn', 'operator', { orderId, returnId });
  },

  async createWebhook() {
    const body = () => ({ url: receiver.url, events: ['order.placed', 'order.shipped'], enabled: false, description: '  contract  ' });
    const created = await call('createWebhook', 201, { as: webhookAdmin(), body: body() });
    expect(created.headers.get('location')).toBe(`/webhooks/${created.body.subscriptionId}`);
    expect(created.body).toMatchObject({ url: receiver.url, enabled: false, description: 'contract', secret: expect.stringMatching(/^whsec_/) });
    for (const invalid of [
      { ...body(), url: 'ftp://hooks.example.com/' },
      { ...body(), url: 'https://me:pw@hooks.example.com/' },
      { ...body(), events: [] },
      { ...body(), events: ['order.exploded'] },
      { ...body(), secret: 'whsec_mine' },
    ]) {
      await call('createWebhook', 400, { as: webhookAdmin(), body: invalid });
    }
    // An address this deployment never calls (cloud metadata), refused by the notification service.
    const refused = await call('createWebhook', 400, { as: webhookAdmin(), body: { ...body(), url: 'http://169.254.169.254/latest/meta-data' } });
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'url' })]);
    await asEachRole('createWebhook', { admin: 201, operator: 403, customer: 403, anonymous: 401 }, { body: body() });
    await bodyRules('createWebhook', 'admin');
  },

  async listWebhooks() {
    await disabledWebhook();
    await asEachRole('listWebhooks', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { query: 'limit=1' });
    const page = await call('listWebhooks', 200, { as: webhookAdmin(), query: 'limit=1' });
    expect(page.body.items[0].secret).toBeUndefined();
    for (const query of ['limit=0', 'cursor=garbage']) await call('listWebhooks', 400, { as: webhookAdmin(), query });
  },

  async getWebhook() {
    const id = await disabledWebhook();
    await asEachRole('getWebhook', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { params: { id } });
    await call('getWebhook', 404, { as: webhookAdmin(), params: { id: randomUUID() } });
    await call('getWebhook', 400, { as: webhookAdmin(), params: { id: 'not-a-uuid' } });
  },

  async updateWebhook() {
    const id = await disabledWebhook();
    const changed = await call('updateWebhook', 200, { as: webhookAdmin(), params: { id }, body: { events: ['order.delivered'], description: null } });
    expect(changed.body).toMatchObject({ subscriptionId: id, events: ['order.delivered'], description: null, enabled: false });
    for (const invalid of [{}, { url: 'ftp://hooks.example.com/' }, { enabled: 'no' }, { secret: 'whsec_mine' }]) await call('updateWebhook', 400, { as: webhookAdmin(), params: { id }, body: invalid });
    await call('updateWebhook', 400, { as: webhookAdmin(), params: { id: 'not-a-uuid' }, body: { enabled: false } });
    await call('updateWebhook', 404, { as: webhookAdmin(), params: { id: randomUUID() }, body: { enabled: false } });
    await asEachRole('updateWebhook', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { params: { id }, body: { description: 'changed' } });
    await bodyRules('updateWebhook', 'admin', { id });
  },

  async deleteWebhook() {
    const id = await disabledWebhook();
    await call('deleteWebhook', 400, { as: webhookAdmin(), params: { id: 'not-a-uuid' } });
    await asEachRole('deleteWebhook', { admin: 204, operator: 403, customer: 403, anonymous: 401 }, { params: { id } });
    await call('deleteWebhook', 404, { as: webhookAdmin(), params: { id } });
    await call('getWebhook', 404, { as: webhookAdmin(), params: { id } });
  },

  async listWebhookDeliveries() {
    const { id, deliveryId } = await deliveredWebhook();
    await asEachRole('listWebhookDeliveries', { admin: 200, operator: 403, customer: 403, anonymous: 401 }, { params: { id }, query: 'limit=1' });
    const log = await call('listWebhookDeliveries', 200, { as: webhookAdmin(), params: { id }, query: 'limit=100' });
    expect(log.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ deliveryId, subscriptionId: id, eventType: 'order.confirmed' })]));
    await call('listWebhookDeliveries', 404, { as: webhookAdmin(), params: { id: randomUUID() } });
    await call('listWebhookDeliveries', 400, { as: webhookAdmin(), params: { id: 'not-a-uuid' } });
    for (const query of ['limit=0', 'cursor=garbage']) await call('listWebhookDeliveries', 400, { as: webhookAdmin(), params: { id }, query });
  },

  async redeliverWebhook() {
    const { id, deliveryId } = await deliveredWebhook();
    const queued = await call('redeliverWebhook', 202, { as: webhookAdmin(), params: { id, deliveryId } });
    expect(queued.headers.get('location')).toBe(`/webhooks/${id}/deliveries`);
    expect(queued.body).toMatchObject({ deliveryId, subscriptionId: id });
    await asEachRole('redeliverWebhook', { admin: 202, operator: 403, customer: 403, anonymous: 401 }, { params: { id, deliveryId } });
    await call('redeliverWebhook', 404, { as: webhookAdmin(), params: { id, deliveryId: randomUUID() } });
    await call('redeliverWebhook', 404, { as: webhookAdmin(), params: { id: await disabledWebhook(), deliveryId } });
    await call('redeliverWebhook', 400, { as: webhookAdmin(), params: { id, deliveryId: 'not-a-uuid' } });
  },

  async codecEncode() {
    await asEachRole('codecEncode', { admin: 200, operator: 200, customer: 403, anonymous: 401 }, { body: { payloads: [plainPayload] } });
    await call('codecEncode', 400, { as: 'operator', body: { payloads: 'x' } });
    await bodyRules('codecEncode', 'operator');
  },

  async codecDecode() {
    const encoded = await call('codecEncode', 200, { as: 'operator', body: { payloads: [plainPayload] } });
    await asEachRole('codecDecode', { admin: 200, operator: 200, customer: 403, anonymous: 401 }, { body: encoded.body });
    const garbage = { metadata: encoded.body.payloads[0].metadata, data: Buffer.from('not a ciphertext').toString('base64') };
    await call('codecDecode', 400, { as: 'operator', body: { payloads: [garbage] } });
    await bodyRules('codecDecode', 'operator');
  },
};

/** An order of `customer`'s, CONFIRMED. */
async function confirmedOrder(fields: Record<string, unknown> = {}): Promise<string> {
  const sku = await newProduct();
  const placed = await call('placeOrder', 200, { as: 'customer', body: { lines: [{ sku, quantity: 1 }], ...fields }, headers: { prefer: 'wait=30' } });
  expect(placed.body.status).toBe('CONFIRMED');
  return placed.body.orderId as string;
}

/** An order of `customer`'s, shipped in full by an operator. */
async function shippedOrder(): Promise<{ orderId: string; shipmentId: string; sku: string }> {
  const orderId = await confirmedOrder();
  const shipped = await call('shipOrder', 201, { as: 'operator', params: { orderId }, body: { carrier: 'DHL', trackingNumber: `JD-${run}` }, headers: { 'idempotency-key': `ship-${randomUUID()}` } });
  return { orderId, shipmentId: shipped.body.shipments[0].shipmentId as string, sku: shipped.body.lines[0].sku as string };
}

/** An order of `customer`'s, shipped and delivered: its return window is open. */
async function deliveredOrder(): Promise<{ orderId: string; shipmentId: string; sku: string }> {
  const shipped = await shippedOrder();
  const delivered = await call('deliverShipment', 200, { as: 'operator', params: { orderId: shipped.orderId, shipmentId: shipped.shipmentId } });
  expect(delivered.body.status).toBe('DELIVERED');
  return shipped;
}

describe('every operation of /openapi.json, held to the document', () => {
  for (const [operationId, exercise] of Object.entries(CASES)) it(operationId, exercise);

  it('answers 429 with Retry-After past a rate limit (catalog writes, orders)', async () => {
    const greedyAdmin = { token: await stack.token(`greedy-admin-${run}`, ['admin']) };
    const none = uniqueSku('NONE');
    // Counted before the SKU is looked up: each is a 404 until the limit.
    for (let i = 0; i < WRITES_PER_WINDOW; i++) await call('updateProduct', 404, { as: greedyAdmin, params: { sku: none }, body: { active: true } });
    const limited = await call('updateProduct', 429, { as: greedyAdmin, params: { sku: none }, body: { active: true } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await call('createProduct', 429, { as: greedyAdmin, body: { sku: uniqueSku('OAS'), name: 'X', priceCents: 1, initialStock: 1 } });
    await call('adjustStock', 429, { as: greedyAdmin, params: { sku: none }, body: { delta: 1, reason: 'restock' } });
    // Webhook changes and redeliveries share the admin's limit.
    const webhook = randomUUID();
    await call('createWebhook', 429, { as: greedyAdmin, body: { url: receiver.url, events: ['order.placed'], enabled: false } });
    await call('updateWebhook', 429, { as: greedyAdmin, params: { id: webhook }, body: { enabled: false } });
    await call('deleteWebhook', 429, { as: greedyAdmin, params: { id: webhook } });
    await call('redeliverWebhook', 429, { as: greedyAdmin, params: { id: webhook, deliveryId: randomUUID() } });

    const greedyCustomer = { token: await stack.token(`greedy-customer-${run}`) };
    const placed = await call('placeOrder', 202, { as: greedyCustomer, body: { lines: [{ sku: await newProduct(), quantity: 1 }] } });
    const dear = await newProduct({ priceCents: 100_000_000 });
    // Counted before the total is checked: each is a 400 (too large) that starts nothing, until the limit.
    for (let i = 1; i < ORDERS_PER_WINDOW; i++) await call('placeOrder', 400, { as: greedyCustomer, body: { lines: [{ sku: dear, quantity: 11 }] } });
    await call('placeOrder', 429, { as: greedyCustomer, body: { lines: [{ sku: dear, quantity: 1 }] } });
    // Returns share the limit: counted before the order's workflow is asked anything.
    await call('requestReturn', 429, { as: greedyCustomer, params: { orderId: placed.body.orderId }, body: { lines: [{ sku: dear, quantity: 1 }], reason: 'greedy' } });
  });

  it('answers 409 past the number of webhook subscriptions allowed', async () => {
    const body = { url: receiver.url, events: ['order.placed'], enabled: false };
    const { items } = (await call('listWebhooks', 200, { as: webhookAdmin(), query: 'limit=100' })).body as { items: unknown[] };
    const fillers: string[] = [];
    // Each admin may make WRITES_PER_WINDOW writes a window: a fresh admin per batch.
    const batchAdmin = async (batch: number): Promise<As> => ({ token: await stack.token(`webhook-filler-${batch}-${run}`, ['admin']) });
    try {
      for (let batch = 0; items.length + fillers.length < WEBHOOK_LIMITS.subscriptions; batch++) {
        const as = await batchAdmin(batch);
        const size = Math.min(WRITES_PER_WINDOW - 1, WEBHOOK_LIMITS.subscriptions - items.length - fillers.length);
        const made = await Promise.all(Array.from({ length: size }, () => call('createWebhook', 201, { as, body })));
        fillers.push(...made.map((created) => created.body.subscriptionId as string));
      }
      const refused = await call('createWebhook', 409, { as: await batchAdmin(-1), body });
      expect(refused.body.error.code).toBe('CONFLICT');
    } finally {
      // The e2e suites share a database: the next suite's subscriptions must fit.
      for (let start = 0; start < fillers.length; start += WRITES_PER_WINDOW - 1) {
        const as = await batchAdmin(1000 + start);
        await Promise.all(fillers.slice(start, start + WRITES_PER_WINDOW - 1).map((id) => call('deleteWebhook', 204, { as, params: { id } })));
      }
    }
  });

  it('has exercised every operation of the document, and has no case for an operation it lacks', () => {
    const documented = [...operations.keys()].sort();
    expect(Object.keys(CASES).sort()).toEqual(documented);
    expect([...validator.seen.keys()].sort()).toEqual(documented);
    const declared = operationsOf(document).flatMap(({ operationId, operation }) => Object.keys(operation.responses).map((status) => `${operationId} ${status}`));
    const exercised = [...validator.seen].flatMap(([operationId, statuses]) => [...statuses].map((status) => `${operationId} ${status}`));
    const unexercised = declared.filter((response) => !exercised.includes(response));
    // What no request can provoke: a fault of ours (500). Temporal and PostgreSQL out of reach
    // (their 503s) are test/e2e/outages.e2e.test.ts's; here the identity provider is.
    expect(unexercised.filter((response) => !response.endsWith(' 500'))).toEqual([]);
    console.info(`openapi contract: ${documented.length} operations, ${exercised.length} of ${declared.length} declared responses exercised; not exercised: ${unexercised.join(', ')}`);
  });
});
