import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { MAX_ON_HAND } from '../activities/inventory/contract.js';
import { MAX_ORDER_TOTAL_CENTS, MAX_PRICE_CENTS } from '../activities/product/contract.js';
import { fastApp, limitAfter, type FastApp, type FastAppOptions, type FastResponse } from '../test/support/fast-app.js';
import { order, product, stockLevel } from '../test/support/memory-reads.js';
import { adjustmentRequestId } from './admin-workflows.js';
import { orderIdFor } from './order-workflows.js';

// The one table from failures to HTTP (api/errors.ts), through the routes that meet them: a
// refusal an admin workflow returns, an ApplicationFailure in the SDK's cause chain, a dependency
// out of reach, a fault of ours; and the refusals the API makes early by the services' own rules.
const SKU = 'LAMP-1';
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';

async function seededApp(options: FastAppOptions = {}) {
  const app = fastApp(options);
  app.store.products.set(SKU, product(SKU));
  app.store.stock.set(SKU, stockLevel(SKU, 10, 4));
  app.store.orders.push(order(ORDER_ID, 'alice'));
  return Object.assign(app, { admin: await app.token('root', ['admin']), customer: await app.token('alice', ['customer']) });
}

const createProduct = (app: FastApp & { admin: string }, sku = 'DESK-1') => app.request('POST', '/products', { token: app.admin, body: { sku, name: 'Desk', priceCents: 100, initialStock: 1 } });
const cancel = (app: FastApp & { customer: string }) => app.request('POST', `/orders/${ORDER_ID}/cancel`, { token: app.customer });

function expectError(response: FastResponse, status: number, code: string, details: unknown[] = []) {
  expect(response.status, response.text).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), details } });
}

/** How the SDK hands a workflow's failure to `result()`: WorkflowFailedError > ActivityFailure > ApplicationFailure. */
const failedWorkflow = (type: string, message: string) =>
  new WorkflowFailedError(
    'Workflow execution failed',
    new ActivityFailure('Activity task failed', 'createProduct', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', ApplicationFailure.create({ type, message, nonRetryable: true })),
    RetryState.NON_RETRYABLE_FAILURE,
  );

/** A gRPC error as @grpc/grpc-js raises it (what the SDK's isGrpcServiceError recognises). */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

const FAILURES: Array<[string, number, string, unknown[]]> = [
  ['PRODUCT_EXISTS', 409, 'CONFLICT', []],
  ['NOT_FOUND', 404, 'NOT_FOUND', []],
  ['INSUFFICIENT_STOCK', 409, 'CONFLICT', [{ path: 'delta', message: 'the failure says why' }]],
  ['STOCK_LIMIT_EXCEEDED', 409, 'CONFLICT', [{ path: 'delta', message: 'the failure says why' }]],
  ['NOT_CANCELLABLE', 409, 'CONFLICT', []],
];

describe('failure types in the cause chain', () => {
  it.each(FAILURES)('%s from a workflow -> %i %s, with its message', async (type, status, code, details) => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', failedWorkflow(type, 'the failure says why'));
    const response = await createProduct(app);
    expectError(response, status, code, details);
    expect(response.body.error.message).toBe('the failure says why');
  });

  it('INVALID_DATA -> 400, in our words rather than the failure’s (which may quote the database)', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', failedWorkflow('INVALID_DATA', 'invalid byte sequence for encoding "UTF8": 0x00 in products.name'));
    const response = await createProduct(app);
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.message).toBe('The request holds data that cannot be stored');
  });

  it('a type the table does not name -> 500 INTERNAL, without its message', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', failedWorkflow('RESERVATION_RELEASED', 'reservation of order 42 was released at /srv/app'));
    const response = await createProduct(app);
    expectError(response, 500, 'INTERNAL');
    expect(response.body.error.message).toBe('Internal server error');
  });

  it('the cancel Update refused by its validator (NOT_CANCELLABLE, wrapped as the SDK does) -> 409', async () => {
    const app = await seededApp();
    app.temporal.updateAnswers(new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: 'NOT_CANCELLABLE', message: `Order ${ORDER_ID} is past its cancellation window`, nonRetryable: true })));
    const response = await cancel(app);
    expectError(response, 409, 'CONFLICT');
    expect(response.body.error.message).toBe(`Order ${ORDER_ID} is past its cancellation window`);
    expect(app.temporal.updates).toEqual([{ workflowId: `order-${ORDER_ID}`, update: 'cancelOrder', args: [{ requestedBy: 'alice', byStaff: false }] }]);
  });

  it('the cancel Update of a workflow that has completed (window closed) -> 409', async () => {
    const app = await seededApp();
    app.temporal.updateAnswers(new WorkflowNotFoundError('workflow not found', `order-${ORDER_ID}`, undefined));
    expectError(await cancel(app), 409, 'CONFLICT');
  });

  it('the cancel Update answered with an order that is not CANCELLED -> 409', async () => {
    const app = await seededApp();
    app.temporal.updateAnswers({ status: 'REJECTED' });
    const response = await cancel(app);
    expectError(response, 409, 'CONFLICT');
    expect(response.body.error.message).toBe(`Order ${ORDER_ID} is REJECTED and can no longer be cancelled`);
  });

  it('a cancel by staff says so (staff may cancel until the first shipment)', async () => {
    const app = await seededApp();
    app.temporal.updateAnswers(() => {
      app.store.orders[0] = order(ORDER_ID, 'alice', { status: 'CANCELLED' });
      return { status: 'CANCELLED' };
    });
    const response = await app.request('POST', `/orders/${ORDER_ID}/cancel`, { token: await app.token('ops', ['operator']) });
    expect(response).toMatchObject({ status: 200, body: { status: 'CANCELLED', payment: null } });
    expect(app.temporal.updates).toEqual([{ workflowId: `order-${ORDER_ID}`, update: 'cancelOrder', args: [{ requestedBy: 'ops', byStaff: true }] }]);
  });

  it('an order already CANCELLED is answered as it is, without an Update', async () => {
    const app = await seededApp();
    app.store.orders[0] = order(ORDER_ID, 'alice', { status: 'CANCELLED' });
    expect(await cancel(app)).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    expect(app.temporal.untouched).toBe(true);
  });
});

/** How the SDK hands an Update's validator refusal to executeUpdate. */
const refusedUpdate = (type: string, message: string) => new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));

const SHIPMENT_ID = '2d9b8c5a-7c65-4e5a-9f79-8c2e3d4f5a61';
const RETURN_ID = '3eac9d6b-8d76-4f6b-a08a-9d3f4e5a6b72';
const FULFILMENT: Record<string, (app: FastApp & { admin: string; customer: string }) => Promise<FastResponse>> = {
  ship: (app) => app.request('POST', `/orders/${ORDER_ID}/shipments`, { token: app.admin, body: { carrier: 'DHL', trackingNumber: 'JD0001' }, headers: { 'idempotency-key': 'ship-1' } }),
  deliver: (app) => app.request('POST', `/orders/${ORDER_ID}/shipments/${SHIPMENT_ID}/delivery`, { token: app.admin }),
  return: (app) => app.request('POST', `/orders/${ORDER_ID}/returns`, { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' } }),
  receive: (app) => app.request('POST', `/orders/${ORDER_ID}/returns/${RETURN_ID}/receipt`, { token: app.admin, body: { restock: true } }),
};

describe('the fulfilment Updates refused by their validators', () => {
  it.each([
    ['ship', 'NOT_SHIPPABLE', 409, 'CONFLICT', 'LAMP-1: nothing left to ship'],
    ['return', 'NOT_RETURNABLE', 409, 'CONFLICT', 'LAMP-1: nothing left to return'],
    ['deliver', 'UNKNOWN_SHIPMENT', 404, 'NOT_FOUND', `Order ${ORDER_ID} has no shipment ${SHIPMENT_ID}`],
    ['receive', 'UNKNOWN_RETURN', 404, 'NOT_FOUND', `Order ${ORDER_ID} has no return ${RETURN_ID}`],
  ])('%s: %s -> %i %s, with its message', async (step, type, status, code, message) => {
    const app = await seededApp();
    app.temporal.updateAnswers(refusedUpdate(type, message));
    const response = await FULFILMENT[step]!(app);
    expectError(response, status, code);
    expect(response.body.error.message).toBe(message);
    expect(app.temporal.updates).toHaveLength(1);
  });

  it.each(Object.keys(FULFILMENT))('%s on a workflow that has completed (rejected, cancelled, return window closed) -> 409', async (step) => {
    const app = await seededApp();
    app.temporal.updateAnswers(new WorkflowNotFoundError('workflow not found', `order-${ORDER_ID}`, undefined));
    const response = await FULFILMENT[step]!(app);
    expectError(response, 409, 'CONFLICT');
    expect(response.body.error.message).toMatch(`Order ${ORDER_ID} is closed`);
  });

  it.each(Object.keys(FULFILMENT))('%s of an order that does not exist -> 404, no Update', async (step) => {
    const app = await seededApp();
    app.store.orders.length = 0;
    expectError(await FULFILMENT[step]!(app), 404, 'NOT_FOUND');
    expect(app.temporal.untouched).toBe(true);
  });
});

describe('refusals an admin workflow returns as results', () => {
  it('CreateProduct: PRODUCT_EXISTS -> 409', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', { ok: false, reason: 'PRODUCT_EXISTS', message: 'Product DESK-1 already exists' });
    const response = await createProduct(app);
    expectError(response, 409, 'CONFLICT');
    expect(response.body.error.message).toBe('Product DESK-1 already exists');
  });

  it('UpdateProduct: NOT_FOUND (deleted since the API read it) -> 404', async () => {
    const app = await seededApp();
    app.temporal.resultOf('UpdateProduct', { ok: false, reason: 'NOT_FOUND', message: `Product ${SKU} not found` });
    expectError(await app.request('PATCH', `/products/${SKU}`, { token: app.admin, body: { name: 'Lamp' } }), 404, 'NOT_FOUND');
  });

  it.each([
    ['INSUFFICIENT_STOCK', 'reserved since the API read the level'],
    ['STOCK_LIMIT_EXCEEDED', 'restocked since the API read the level'],
  ])('AdjustStock: %s (%s) -> 409 on delta', async (reason, message) => {
    const app = await seededApp();
    app.temporal.resultOf('AdjustStock', { ok: false, reason, message });
    expectError(await app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta: -1, reason: 'stocktake' } }), 409, 'CONFLICT', [{ path: 'delta', message }]);
  });

  it('a refusal the table does not name -> 500 INTERNAL, without its message', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', { ok: false, reason: 'SOMETHING_NEW', message: 'internal detail' });
    const response = await createProduct(app);
    expectError(response, 500, 'INTERNAL');
    expect(response.text).not.toContain('internal detail');
  });

  it('a second create of the same SKU racing the first (the server refuses the workflow ID) -> 409', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateProduct', { ok: true, value: { product: product('DESK-1'), stock: stockLevel('DESK-1', 1) } });
    expect((await createProduct(app)).status).toBe(201);
    // The read model has not caught up: only Temporal's conflict policy can tell.
    expectError(await createProduct(app), 409, 'CONFLICT');
  });
});

describe('dependencies out of reach -> 503 with Retry-After; faults of ours -> 500 without detail', () => {
  const unavailable: Array<[string, () => Error]> = [
    ['gRPC UNAVAILABLE', () => grpcError(14, 'No connection established')],
    ['gRPC DEADLINE_EXCEEDED', () => grpcError(4, 'Deadline exceeded')],
    ['gRPC CANCELLED (the connection under the call went away)', () => grpcError(1, 'Call cancelled')],
    ['gRPC UNAVAILABLE wrapped by the SDK', () => new Error('Failed to start workflow', { cause: grpcError(14, 'No connection established') })],
  ];
  it.each(unavailable)('starting an order: %s', async (_name, error) => {
    const app = await seededApp();
    app.temporal.failStart('PlaceOrder', error());
    const response = await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] } });
    expectError(response, 503, 'UNAVAILABLE');
    expect(response.headers.get('retry-after')).toBe('5');
  });

  const databaseDown: Array<[string, () => Error]> = [
    ['admin shutdown (57P01)', () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['connection failure (08006)', () => Object.assign(new Error('connection failure'), { code: '08006' })],
    ['too many connections (53300)', () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['ECONNREFUSED', () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the pool timing out', () => new Error('timeout exceeded when trying to connect')],
    ['the server gone mid-query', () => new Error('Connection terminated unexpectedly')],
  ];
  it.each(databaseDown)('reading a product: %s', async (_name, error) => {
    const app = await seededApp();
    app.readers.products.product = () => Promise.reject(error());
    const response = await app.request('GET', `/products/${SKU}`);
    expectError(response, 503, 'UNAVAILABLE');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(response.text).not.toMatch(/5432|57P01|administrator/);
  });

  it('a data error from a read (a parameter PostgreSQL cannot compare) -> 400', async () => {
    const app = await seededApp();
    app.readers.orders.list = () => Promise.reject(Object.assign(new Error('invalid input syntax for type uuid: "x"'), { code: '22P02' }));
    const response = await app.request('GET', '/orders', { token: app.customer });
    expectError(response, 400, 'VALIDATION_FAILED');
    expect(response.text).not.toMatch(/22P02|uuid/);
  });

  it('anything else -> 500 INTERNAL, without its message', async () => {
    const app = await seededApp();
    app.readers.inventory.level = () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'on_hand') at /srv/app/repository.ts:12"));
    const response = await app.request('GET', `/inventory/${SKU}`);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error', details: [] } });
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('an unknown route -> 404 in the error shape', async () => {
    const app = await seededApp();
    expect(await app.request('GET', '/nope')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'No route for GET /nope', details: [] } } });
  });
});

describe('rate limits: 429 with Retry-After, and the refused request starts nothing', () => {
  it('orders', async () => {
    const orders = limitAfter(1);
    const app = await seededApp({ rateLimits: { orders } });
    const place = () => app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] } });
    expect((await place()).status).toBe(202);
    const refused = await place();
    expectError(refused, 429, 'RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(app.temporal.started).toHaveLength(1);
    expect(orders.calls).toEqual(['alice', 'alice']);
  });

  it('catalog writes, counted per admin across creates, updates and adjustments', async () => {
    const catalogWrites = limitAfter(0);
    const app = await seededApp({ rateLimits: { catalogWrites } });
    expectError(await createProduct(app), 429, 'RATE_LIMITED');
    expectError(await app.request('PATCH', `/products/${SKU}`, { token: app.admin, body: { name: 'Lamp' } }), 429, 'RATE_LIMITED');
    expectError(await app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta: 1, reason: 'restock' } }), 429, 'RATE_LIMITED');
    expect(catalogWrites.calls).toEqual(['root', 'root', 'root']);
    expect(app.temporal.untouched).toBe(true);
  });

  it('a retry of a recorded order (same Idempotency-Key) is not counted', async () => {
    const orders = limitAfter(0);
    const app = await seededApp({ rateLimits: { orders } });
    app.store.orders.push(order(orderIdFor('alice', 'checkout-1'), 'alice'));
    const retry = await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] }, headers: { 'idempotency-key': 'checkout-1' } });
    expect(retry).toMatchObject({ status: 202, body: { status: 'CONFIRMED' } });
    expect(orders.calls).toEqual([]);
  });
});

describe("early refusals by the services' own rules: nothing starts", () => {
  const DEAR = 'GOLD-1';
  const placeDear = async (quantity: number) => {
    const app = await seededApp();
    app.store.products.set(DEAR, product(DEAR, { priceCents: MAX_PRICE_CENTS }));
    return Object.assign(await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: DEAR, quantity }] } }), { app });
  };

  it('an order total above the limit at today’s prices -> 400 Order too large', async () => {
    const quantity = MAX_ORDER_TOTAL_CENTS / MAX_PRICE_CENTS + 1;
    const response = await placeDear(quantity);
    expectError(response, 400, 'VALIDATION_FAILED', [{ path: 'lines', message: `The order total exceeds ${MAX_ORDER_TOTAL_CENTS} minor units` }]);
    expect(response.body.error.message).toBe('Order too large');
    expect(response.app.temporal.untouched).toBe(true);
  });

  it('an order total exactly at the limit is placed', async () => {
    const response = await placeDear(MAX_ORDER_TOTAL_CENTS / MAX_PRICE_CENTS);
    expect(response.status).toBe(202);
    expect(response.app.temporal.started.map((w) => w.workflowType)).toEqual(['PlaceOrder']);
  });

  it('other pricing refusals (an unknown product) are the workflow’s to decide: the order is placed', async () => {
    const app = await seededApp();
    const response = await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: 'NOSUCH-1', quantity: 1000 }, { sku: 'NOSUCH-2', quantity: 1000 }] } });
    expect(response.status).toBe(202);
  });

  it('an adjustment of a SKU without stock record -> 404', async () => {
    const app = await seededApp();
    expectError(await app.request('POST', '/inventory/GHOST-1/adjustments', { token: app.admin, body: { delta: 1, reason: 'restock' } }), 404, 'NOT_FOUND');
    expect(app.temporal.untouched).toBe(true);
  });

  it('a write-off below what is reserved -> 409 on delta', async () => {
    const app = await seededApp();
    // 10 on hand, 4 reserved: -6 leaves exactly the reserved, -7 would not.
    expectError(await app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta: -7, reason: 'stocktake' } }), 409, 'CONFLICT', [
      { path: 'delta', message: `On-hand of ${SKU} cannot drop below the 4 reserved` },
    ]);
    expect(app.temporal.untouched).toBe(true);
  });

  it('a restock past the on-hand limit -> 409 on delta', async () => {
    const app = await seededApp();
    app.store.stock.set(SKU, stockLevel(SKU, MAX_ON_HAND - 10));
    expectError(await app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta: 11, reason: 'too many' } }), 409, 'CONFLICT', [
      { path: 'delta', message: `On-hand of ${SKU} cannot exceed ${MAX_ON_HAND}` },
    ]);
    expect(app.temporal.untouched).toBe(true);
  });

  it('a retried adjustment already in the ledger is not checked again: it answers through its workflow', async () => {
    const app = await seededApp();
    app.store.appliedAdjustments.add(adjustmentRequestId('root', SKU, 'stocktake-1'));
    app.temporal.resultOf('AdjustStock', { ok: true, value: stockLevel(SKU, 3, 4) });
    const response = await app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta: -7, reason: 'stocktake' }, headers: { 'idempotency-key': 'stocktake-1' } });
    expect(response.status).toBe(200);
    expect(app.temporal.started).toMatchObject([{ workflowType: 'AdjustStock', workflowId: `stock-adjust-${SKU}-${adjustmentRequestId('root', SKU, 'stocktake-1')}` }]);
  });

  it('creating a SKU the catalog has -> 409; updating one it lacks -> 404', async () => {
    const app = await seededApp();
    expectError(await createProduct(app, SKU), 409, 'CONFLICT');
    expectError(await app.request('PATCH', '/products/GHOST-1', { token: app.admin, body: { name: 'Ghost' } }), 404, 'NOT_FOUND');
    expect(app.temporal.untouched).toBe(true);
  });
});
