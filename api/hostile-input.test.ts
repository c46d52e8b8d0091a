import { describe, expect, it } from 'vitest';
import { orderIdFor } from './order-workflows.js';
import { encodeCursor } from '../common/pagination.js';
import { expect4xx } from '../test/support/api-refusal.js';
import { BODY_LIMIT_BYTES, fastApp, type FastApp, type RequestOptions } from '../test/support/fast-app.js';
import { order, product, stockLevel } from '../test/support/memory-reads.js';

// Input as an attacker or a careless client sends it, refused by the HTTP layer: every refusal
// is a 4xx in the API's error shape, and nothing is asked of Temporal (the read ports write nothing).
// That the databases stay unchanged too is shown end to end (test/e2e/hostile-input.e2e.test.ts).
const SKU = 'LAMP-1';
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const SHIPMENT_ID = '2d9b8c5a-7c65-4e5a-9f79-8c2e3d4f5a61';
const RETURN_ID = '3eac9d6b-8d76-4f6b-a08a-9d3f4e5a6b72';
const SHIP_KEY = { 'idempotency-key': 'ship-1' };

async function seededApp(): Promise<FastApp & { admin: string; customer: string }> {
  const app = fastApp();
  app.store.products.set(SKU, product(SKU));
  app.store.stock.set(SKU, stockLevel(SKU, 100));
  app.store.orders.push(order(ORDER_ID, 'alice'));
  return Object.assign(app, { admin: await app.token('root', ['admin']), customer: await app.token('alice', ['customer']) });
}

/** Sends a request as `who` and expects it refused with nothing started or updated. */
async function expectRefused(method: string, path: string, options: Omit<RequestOptions, 'token'> & { as?: 'admin' | 'customer' | 'anonymous' }, status = 400, code = 'VALIDATION_FAILED') {
  const app = await seededApp();
  const { as = 'admin', ...rest } = options;
  const response = await app.request(method, path, { ...rest, ...(as !== 'anonymous' && { token: app[as] }) });
  expect4xx(response, status, code);
  expect(app.temporal.untouched).toBe(true);
  return response;
}

const address = (overrides: Record<string, string> = {}) => ({ name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB', ...overrides });

const WRITES: Array<[string, string, unknown, 'admin' | 'customer']> = [
  ['POST', '/orders', { lines: [{ sku: SKU, quantity: 1 }] }, 'customer'],
  ['POST', '/products', { sku: 'DESK-1', name: 'Desk', priceCents: 100, initialStock: 1 }, 'admin'],
  ['PATCH', `/products/${SKU}`, { name: 'Lamp' }, 'admin'],
  ['POST', `/inventory/${SKU}/adjustments`, { delta: 1, reason: 'restock' }, 'admin'],
  ['POST', `/orders/${ORDER_ID}/shipments`, { carrier: 'DHL', trackingNumber: 'JD0001' }, 'admin'],
  ['POST', `/orders/${ORDER_ID}/returns`, { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' }, 'customer'],
  ['POST', `/orders/${ORDER_ID}/returns/${RETURN_ID}/receipt`, { restock: true }, 'admin'],
];

describe('bodies that are not JSON, or too large', () => {
  it.each(WRITES)('%s %s: malformed JSON is a 400', async (method, path, _body, as) => {
    await expectRefused(method, path, { as, body: '{"lines":' });
  });

  it.each(WRITES)('%s %s: a Content-Type other than JSON is a 415', async (method, path, body, as) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x']) {
      await expectRefused(method, path, { as, body: JSON.stringify(body), headers: { 'content-type': type } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it.each(WRITES)('%s %s: a body over the limit is a 413', async (method, path, _body, as) => {
    const response = await expectRefused(method, path, { as, body: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT_BYTES) }) }, 413, 'PAYLOAD_TOO_LARGE');
    expect(response.body.error.message).toBe(`Request body exceeds ${BODY_LIMIT_BYTES} bytes`);
  });

  it('accepts application/json with a charset', async () => {
    const app = await seededApp();
    const response = await app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] }, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(response.status).toBe(202);
  });

  it('cancel takes no body, but one that is sent is held to the rules (415, 413)', async () => {
    await expectRefused('POST', `/orders/${ORDER_ID}/cancel`, { as: 'customer', body: 'please', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectRefused('POST', `/orders/${ORDER_ID}/cancel`, { as: 'customer', body: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT_BYTES) }) }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('delivery takes no body either, held to the same rules (415, 413)', async () => {
    const path = `/orders/${ORDER_ID}/shipments/${SHIPMENT_ID}/delivery`;
    await expectRefused('POST', path, { body: 'delivered', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectRefused('POST', path, { body: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT_BYTES) }) }, 413, 'PAYLOAD_TOO_LARGE');
  });
});

const badText: Array<[string, string]> = [
  ['a NUL byte', 'Baker\u0000Street'],
  ['a lone high surrogate', 'Baker \ud800 Street'],
  ['a lone low surrogate', '\udc00'],
  ['a bell (C0 control)', 'ring\u0007'],
  ['an escape sequence', '\u001b[31mred'],
  ['a C1 control', 'next\u0085line'],
  ['DEL', 'rub\u007fout'],
  ['a line break in a one-line field', 'two\nlines'],
  ['only spaces', '    '],
];
const oneLine = badText.filter(([name]) => name !== 'a line break in a one-line field');

describe('hostile text is refused before anything starts', () => {
  it.each(badText)('orders: %s in the shipping address', async (_name, text) => {
    const response = await expectRefused('POST', '/orders', { as: 'customer', body: { lines: [{ sku: SKU, quantity: 1 }], shippingAddress: address({ line1: text }) } });
    expect(response.body.error.details).toContainEqual({ path: 'shippingAddress.line1', message: expect.any(String) });
  });

  it.each(oneLine)('products: %s in the name', async (_name, text) => {
    await expectRefused('POST', '/products', { body: { sku: 'DESK-1', name: text, priceCents: 100, initialStock: 5 } });
  });

  it.each(oneLine.filter(([name]) => name !== 'only spaces'))('products: %s in the description', async (_name, text) => {
    await expectRefused('POST', '/products', { body: { sku: 'DESK-1', name: 'Desk', description: text, priceCents: 100, initialStock: 5 } });
  });

  it('products: a description longer than the catalog stores', async () => {
    await expectRefused('POST', '/products', { body: { sku: 'DESK-1', name: 'Desk', description: 'x'.repeat(4_001), priceCents: 100, initialStock: 5 } });
  });

  it.each(oneLine)('product updates: %s in the name', async (_name, text) => {
    await expectRefused('PATCH', `/products/${SKU}`, { body: { name: text } });
  });

  it.each(oneLine)('adjustments: %s in the reason', async (_name, text) => {
    await expectRefused('POST', `/inventory/${SKU}/adjustments`, { body: { delta: 1, reason: text }, headers: { 'idempotency-key': 'hostile-1' } });
  });

  it.each(oneLine)('shipments: %s in the carrier or the tracking number', async (_name, text) => {
    await expectRefused('POST', `/orders/${ORDER_ID}/shipments`, { body: { carrier: text, trackingNumber: 'JD0001' }, headers: SHIP_KEY });
    await expectRefused('POST', `/orders/${ORDER_ID}/shipments`, { body: { carrier: 'DHL', trackingNumber: text }, headers: SHIP_KEY });
  });

  it.each(oneLine)('returns: %s in the reason', async (_name, text) => {
    const response = await expectRefused('POST', `/orders/${ORDER_ID}/returns`, { as: 'customer', body: { lines: [{ sku: SKU, quantity: 1 }], reason: text } });
    expect(response.body.error.details).toContainEqual({ path: 'reason', message: expect.any(String) });
  });

  it('search text: controls in q are a 400', async () => {
    for (const q of ['%00', '%01abc', 'a%1Bb']) await expectRefused('GET', `/products?q=${q}`, { as: 'anonymous' });
  });
});

describe('fields: wrong, missing or unknown', () => {
  const validProduct = { sku: 'DESK-1', name: 'Ok', priceCents: 100, initialStock: 1 };
  it.each([
    ['a lower-case SKU', { ...validProduct, sku: 'lower-case' }],
    ['an empty name', { ...validProduct, name: '' }],
    ['a negative price', { ...validProduct, priceCents: -1 }],
    ['a fractional price', { ...validProduct, priceCents: 1.5 }],
    ['a price over the limit', { ...validProduct, priceCents: 100_000_001 }],
    ['a currency that is not ISO 4217', { ...validProduct, currency: 'euro' }],
    ['negative stock', { ...validProduct, initialStock: -3 }],
    ['an unknown field', { ...validProduct, colour: 'red' }],
    ['only a SKU', { sku: 'DESK-1' }],
    ['an array', [validProduct]],
    ['null', null],
  ])('POST /products: %s', async (_name, body) => {
    await expectRefused('POST', '/products', { body: JSON.stringify(body) });
  });

  it.each([
    ['no changes', {}],
    ['an unknown field (the SKU)', { sku: 'OTHER-1' }],
    ['active as a string', { active: 'false' }],
  ])('PATCH /products/{sku}: %s', async (_name, body) => {
    await expectRefused('PATCH', `/products/${SKU}`, { body });
  });

  it.each([
    ['no lines', { lines: [] }],
    ['quantity 0', { lines: [{ sku: SKU, quantity: 0 }] }],
    ['a fractional quantity', { lines: [{ sku: SKU, quantity: 1.5 }] }],
    ['a quantity over 1000', { lines: [{ sku: SKU, quantity: 1001 }] }],
    ['a SKU on two lines', { lines: [{ sku: SKU, quantity: 1 }, { sku: SKU, quantity: 2 }] }],
    ['a malformed SKU', { lines: [{ sku: 'bad sku', quantity: 1 }] }],
    ['51 lines', { lines: Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) }],
    ['an unknown field', { lines: [{ sku: SKU, quantity: 1 }], coupon: 'FREE' }],
    ['an unknown field on a line', { lines: [{ sku: SKU, quantity: 1, priceCents: 0 }] }],
    ['an incomplete address', { lines: [{ sku: SKU, quantity: 1 }], shippingAddress: { name: 'A' } }],
    ['an unknown field in the address', { lines: [{ sku: SKU, quantity: 1 }], shippingAddress: address({ floor: '3' }) }],
    ['a country that is not ISO 3166', { lines: [{ sku: SKU, quantity: 1 }], shippingAddress: address({ country: 'England' }) }],
    ['a card number as the payment method', { lines: [{ sku: SKU, quantity: 1 }], payment: { method: '4242424242424242' } }],
    ['card data beside the token', { lines: [{ sku: SKU, quantity: 1 }], payment: { method: 'pm_card_visa', number: '4242424242424242', cvc: '123' } }],
    ['card data instead of a token', { lines: [{ sku: SKU, quantity: 1 }], payment: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' } }],
    ['card data beside the payment', { lines: [{ sku: SKU, quantity: 1 }], card: { number: '4242424242424242' } }],
    ['an empty token', { lines: [{ sku: SKU, quantity: 1 }], payment: { method: 'pm_' } }],
    ['a token with a space', { lines: [{ sku: SKU, quantity: 1 }], payment: { method: 'pm_card visa' } }],
    ['a payment method that is not a string', { lines: [{ sku: SKU, quantity: 1 }], payment: { method: 4242 } }],
  ])('POST /orders: %s', async (_name, body) => {
    await expectRefused('POST', '/orders', { as: 'customer', body });
  });

  const line = (fields: Record<string, unknown> = {}) => ({ sku: SKU, quantity: 1, ...fields });
  const ship = { carrier: 'DHL', trackingNumber: 'JD0001' };
  it.each([
    ['an unknown field', { ...ship, shipmentId: SHIPMENT_ID }],
    ['no carrier', { trackingNumber: 'JD0001' }],
    ['no tracking number', { carrier: 'DHL' }],
    ['a carrier too long', { ...ship, carrier: 'c'.repeat(101) }],
    ['a tracking number too long', { ...ship, trackingNumber: '1'.repeat(101) }],
    ['an empty list of lines', { ...ship, lines: [] }],
    ['quantity 0', { ...ship, lines: [line({ quantity: 0 })] }],
    ['a negative quantity', { ...ship, lines: [line({ quantity: -2 })] }],
    ['a fractional quantity', { ...ship, lines: [line({ quantity: 0.5 })] }],
    ['a malformed SKU', { ...ship, lines: [line({ sku: 'lamp 1' })] }],
    ['a SKU on two lines', { ...ship, lines: [line(), line()] }],
    ['101 lines', { ...ship, lines: Array.from({ length: 101 }, (_, i) => line({ sku: `SKU-${i}` })) }],
    ['an unknown field on a line', { ...ship, lines: [line({ priceCents: 0 })] }],
  ])('POST /orders/{orderId}/shipments: %s', async (_name, body) => {
    await expectRefused('POST', `/orders/${ORDER_ID}/shipments`, { body, headers: SHIP_KEY });
  });

  it('POST /orders/{orderId}/shipments without an Idempotency-Key: 400 that names the header', async () => {
    const response = await expectRefused('POST', `/orders/${ORDER_ID}/shipments`, { body: ship });
    expect(response.body.error.details).toContainEqual({ path: 'idempotency-key', message: expect.any(String) });
  });

  it.each([
    ['no lines', { reason: 'too small' }],
    ['an empty list of lines', { lines: [], reason: 'too small' }],
    ['no reason', { lines: [line()] }],
    ['a reason too long', { lines: [line()], reason: 'r'.repeat(501) }],
    ['quantity 0', { lines: [line({ quantity: 0 })], reason: 'too small' }],
    ['a negative quantity', { lines: [line({ quantity: -1 })], reason: 'too small' }],
    ['an unknown field', { lines: [line()], reason: 'too small', refundCents: 100_000 }],
    ['the return ID chosen by the client', { lines: [line()], reason: 'too small', returnId: RETURN_ID }],
  ])('POST /orders/{orderId}/returns: %s', async (_name, body) => {
    await expectRefused('POST', `/orders/${ORDER_ID}/returns`, { as: 'customer', body });
  });

  it.each([
    ['no restock', {}],
    ['restock as a string', { restock: 'false' }],
    ['restock as a number', { restock: 0 }],
    ['an unknown field', { restock: true, refundCents: 5 }],
  ])('POST /orders/{orderId}/returns/{returnId}/receipt: %s', async (_name, body) => {
    await expectRefused('POST', `/orders/${ORDER_ID}/returns/${RETURN_ID}/receipt`, { body });
  });

  it.each([
    ['delta 0', { delta: 0, reason: 'nothing' }],
    ['no reason', { delta: 1 }],
    ['a reason too short', { delta: 1, reason: 'ab' }],
    ['a fractional delta', { delta: 1.5, reason: 'restock' }],
    ['a delta over a million', { delta: 1_000_001, reason: 'restock' }],
    ['an unknown field', { delta: 1, reason: 'restock', actor: 'someone-else' }],
  ])('POST /inventory/{sku}/adjustments: %s', async (_name, body) => {
    await expectRefused('POST', `/inventory/${SKU}/adjustments`, { body });
  });

  it('codec: not a payload list', async () => {
    await expectRefused('POST', '/codec/decode', { body: { payloads: 'x' } });
    await expectRefused('POST', '/codec/encode', { body: { payloads: [{ data: 'not base64!' }] } });
  });
});

describe('paths, query parameters and cursors: 400, never 500', () => {
  it.each([
    ['GET', '/orders/%00'],
    ['GET', '/orders/1e3'],
    ['GET', '/orders/not-a-uuid'],
    ['GET', '/orders/not-a-uuid/notifications'],
    ['POST', '/orders/not-a-uuid/cancel'],
  ])('%s %s: not an order ID', async (method, path) => {
    await expectRefused(method, path, { as: 'customer' });
  });

  it.each([
    ['/orders/not-a-uuid/shipments', { carrier: 'DHL', trackingNumber: 'JD0001' }],
    ['/orders/not-a-uuid/shipments/2d9b8c5a-7c65-4e5a-9f79-8c2e3d4f5a61/delivery', undefined],
    [`/orders/${ORDER_ID}/shipments/not-a-uuid/delivery`, undefined],
    [`/orders/${ORDER_ID}/shipments/%00/delivery`, undefined],
    ['/orders/1e3/returns/3eac9d6b-8d76-4f6b-a08a-9d3f4e5a6b72/receipt', { restock: true }],
    [`/orders/${ORDER_ID}/returns/not-a-uuid/receipt`, { restock: true }],
  ])('POST %s: not an order, shipment or return ID (staff)', async (path, body) => {
    await expectRefused('POST', path, { headers: SHIP_KEY, ...(body && { body }) });
  });

  it('POST /orders/not-a-uuid/returns: not an order ID (its customer)', async () => {
    await expectRefused('POST', '/orders/not-a-uuid/returns', { as: 'customer', body: { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' } });
  });

  it.each([
    ['GET', '/products/%00'],
    ['GET', '/products/not%20a%20sku'],
    ['GET', '/products/lamp-1'],
    ['GET', '/inventory/%ED%A0%80'],
    ['GET', `/inventory/${'A'.repeat(65)}`],
    ['PATCH', '/products/%00'],
    ['POST', '/inventory/bad%20sku/adjustments'],
  ])('%s %s: not a SKU', async (method, path) => {
    const body = method === 'PATCH' ? { name: 'x' } : method === 'POST' ? { delta: 1, reason: 'restock' } : undefined;
    await expectRefused(method, path, { ...(body && { body }) });
  });

  it.each(['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'limit=1.5', 'cursor=!!!$$$', `cursor=${'a'.repeat(501)}`])('GET /products?%s', async (query) => {
    await expectRefused('GET', `/products?${query}`, { as: 'anonymous' });
  });

  it.each(['status=LOST', 'limit=0', 'cursor=%00'])('GET /orders?%s', async (query) => {
    await expectRefused('GET', `/orders?${query}`, { as: 'customer' });
  });

  it.each([
    ['a cursor this API never handed out', 'garbage'],
    ['a cursor of another shape', encodeCursor({ sku: SKU })],
  ])('a well-formed but unknown cursor (%s) is a 400 Invalid cursor', async (_name, cursor) => {
    for (const list of ['/products', '/orders']) {
      const response = await expectRefused('GET', `${list}?cursor=${cursor}`, { as: 'customer' });
      expect(response.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'Invalid cursor', details: [{ path: 'cursor', message: 'cursor is not valid' }] });
    }
  });

  it.each(['', 'sku=', 'sku=lamp', `sku=${SKU}&quantity=0`, `sku=${SKU}&quantity=100001`, `${Array.from({ length: 101 }, (_, i) => `sku=SKU-${i}`).join('&')}`])('GET /inventory?%s', async (query) => {
    await expectRefused('GET', `/inventory?${query}`, { as: 'anonymous' });
  });
});

describe('Idempotency-Key', () => {
  it.each([
    ['a space', 'has space'],
    ['empty', ''],
    ['201 characters', 'k'.repeat(201)],
    ['a non-ASCII character', 'cl\u00e9'],
    ['a tab', 'a\tb'],
  ])('%s is a 400 on orders, adjustments, shipments and returns', async (_name, key) => {
    await expectRefused('POST', '/orders', { as: 'customer', body: { lines: [{ sku: SKU, quantity: 1 }] }, headers: { 'idempotency-key': key } });
    await expectRefused('POST', `/inventory/${SKU}/adjustments`, { body: { delta: 1, reason: 'restock' }, headers: { 'idempotency-key': key } });
    await expectRefused('POST', `/orders/${ORDER_ID}/shipments`, { body: { carrier: 'DHL', trackingNumber: 'JD0001' }, headers: { 'idempotency-key': key } });
    await expectRefused('POST', `/orders/${ORDER_ID}/returns`, { as: 'customer', body: { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' }, headers: { 'idempotency-key': key } });
  });

  it('the same key with the same body is the same order; with another body, a 409 that starts no second order', async () => {
    const app = await seededApp();
    const key = { 'idempotency-key': 'checkout-1' };
    const place = (quantity: number) => app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity }] }, headers: key });
    const first = await place(1);
    const again = await place(1);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.orderId).toBe(first.body.orderId);
    expect(first.body.orderId).toBe(orderIdFor('alice', 'checkout-1'));
    expect4xx(await place(2), 409, 'CONFLICT');
    // Every start carried the same workflow ID: the server's USE_EXISTING policy kept the one run.
    expect(new Set(app.temporal.started.map((w) => w.workflowId))).toEqual(new Set([`order-${first.body.orderId}`]));
    expect(app.temporal.runCount).toBe(1);
  });

  it('the payment method is part of the body compared: the same key with another method is a 409', async () => {
    const app = await seededApp();
    const key = { 'idempotency-key': 'checkout-pay' };
    const place = (method: string) => app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }], payment: { method } }, headers: key });
    expect((await place('pm_card_visa')).status).toBe(202);
    expect((await place('pm_card_visa')).status).toBe(202);
    expect4xx(await place('pm_card_mastercard'), 409, 'CONFLICT');
    expect(app.temporal.runCount).toBe(1);
  });

  it("is the customer's own: another customer's identical key is another order", async () => {
    const app = await seededApp();
    const body = { lines: [{ sku: SKU, quantity: 1 }] };
    const headers = { 'idempotency-key': 'checkout-1' };
    const alices = await app.request('POST', '/orders', { token: app.customer, body, headers });
    const bobs = await app.request('POST', '/orders', { token: await app.token('bob', ['customer']), body, headers });
    expect(bobs.body.orderId).not.toBe(alices.body.orderId);
    expect(app.temporal.runCount).toBe(2);
  });

  it('an adjustment under a key used for another adjustment is a 409', async () => {
    const app = await seededApp();
    app.temporal.resultOf('AdjustStock', { ok: true, value: stockLevel(SKU, 105) });
    const adjust = (delta: number) => app.request('POST', `/inventory/${SKU}/adjustments`, { token: app.admin, body: { delta, reason: 'restock' }, headers: { 'idempotency-key': 'restock-1' } });
    expect((await adjust(5)).status).toBe(200);
    expect4xx(await adjust(7), 409, 'CONFLICT');
    expect(app.temporal.runCount).toBe(1);
  });
});

describe('Prefer: wait', () => {
  /** Places an order whose workflow the fake "runs" at once: the store records it CONFIRMED. */
  async function placeWith(prefer: string) {
    const app = await seededApp();
    app.temporal.onNewRun = ({ args: [input] }) => app.store.orders.push(order((input as { orderId: string }).orderId, 'alice'));
    return app.request('POST', '/orders', { token: app.customer, body: { lines: [{ sku: SKU, quantity: 1 }] }, headers: { prefer } });
  }

  it.each([
    ['wait=5', 'wait=5'],
    ['wait=0', 'wait=0'],
    ['respond-async, wait=10', 'wait=10'],
    ['handling=strict; wait=3', 'wait=3'],
    ['wait=99', 'wait=30'],
    ['wait=99999999999999999999999', 'wait=30'],
  ])('%s: waits (at most 30 s) and answers the order with 200', async (prefer, applied) => {
    const response = await placeWith(prefer);
    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe(applied);
    expect(response.body).toMatchObject({ customerId: 'alice', status: 'CONFIRMED' });
  });

  it.each(['wait=abc', 'wait=-1', 'wait=', 'nowait=5', 'wait 5', 'return=minimal'])('%s: ignored, 202 as without it', async (prefer) => {
    const response = await placeWith(prefer);
    expect(response.status).toBe(202);
    expect(response.headers.get('preference-applied')).toBeNull();
    expect(response.body).toEqual({ orderId: expect.any(String), status: 'PENDING' });
  });
});
