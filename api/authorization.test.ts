import { SignJWT, createLocalJWKSet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../common/config.js';
import { fastApp, type FastApp, type FastResponse } from '../test/support/fast-app.js';
import { newSigningKey, signWith, type SigningKey } from '../test/support/jwks-server.js';
import { order, product, sealedSubscription, stockLevel, webhookDelivery, webhookSubscription } from '../test/support/memory-reads.js';
import { operationsOf, type OpenApiDocument } from '../test/support/openapi-contract.js';
import { offlineDocument } from '../test/support/offline-app.js';

// Who may do what: every operation of the OpenAPI document for every kind of caller, through the
// real app (auth middleware, routes, error handler) with in-memory reads and a fake Temporal.
const SKU = 'LAMP-1';
const ALICE_ORDER = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const BOB_ORDER = '1c8a7b4f-6b54-4d4f-8e68-7b1d2c3e4f50';
const SHIPMENT = '2d9b8c5a-7c65-4e5a-9f79-8c2e3d4f5a61';
const RETURN = '3eac9d6b-8d76-4f6b-a08a-9d3f4e5a6b72';
const WEBHOOK = '4fbdae7c-9e87-4a7c-b1ab-ae4f5a6b7c83';
const DELIVERY = '5acebf8d-af98-4b8d-82bc-bf5a6b7c8d94';

const PRINCIPALS = ['anonymous', 'invalidToken', 'expiredToken', 'customer', 'otherCustomer', 'operator', 'admin'] as const;
type Caller = (typeof PRINCIPALS)[number];

/** An app with a product, its stock, an order of alice's and one of bob's, and the workflows' results scripted. */
function seededApp(): FastApp {
  const app = fastApp();
  app.store.products.set(SKU, product(SKU));
  app.store.stock.set(SKU, stockLevel(SKU, 100));
  app.store.orders.push(order(ALICE_ORDER, 'alice'), order(BOB_ORDER, 'bob'));
  app.store.notifications.set(ALICE_ORDER, [{ kind: 'ORDER_CONFIRMED', reference: null, to: 'alice@example.test', status: 'SENT', messageId: `<${ALICE_ORDER}@orderflow>`, sentAt: '2026-12-07T09:00:01.000Z' }]);
  app.temporal
    .resultOf('CreateProduct', ([input]: unknown[]) => {
      const { product: created, initialStock } = input as { product: { sku: string }; initialStock: number };
      return { ok: true, value: { product: product(created.sku), stock: stockLevel(created.sku, initialStock) } };
    })
    .resultOf('UpdateProduct', { ok: true, value: product(SKU, { description: 'changed' }) })
    .resultOf('AdjustStock', { ok: true, value: stockLevel(SKU, 101) })
    .resultOf('CreateWebhookSubscription', ([input]: unknown[]) => ({ ok: true, value: sealedSubscription(input, webhookSubscription(WEBHOOK), 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') }))
    .resultOf('UpdateWebhookSubscription', { ok: true, value: webhookSubscription(WEBHOOK, { enabled: false }) })
    .resultOf('DeleteWebhookSubscription', { ok: true, value: { subscriptionId: WEBHOOK } });
  app.store.webhookSubscriptions.push(webhookSubscription(WEBHOOK));
  app.store.webhookDeliveries.push(webhookDelivery(DELIVERY, WEBHOOK));
  return app;
}

async function tokenOf(app: FastApp, caller: Caller): Promise<string | undefined> {
  switch (caller) {
    case 'anonymous':
      return undefined;
    case 'invalidToken':
      return new SignJWT({ email: 'mallory@example.test', roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setIssuer(DEVELOPMENT_ISSUER)
        .setAudience(DEVELOPMENT_AUDIENCE)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('not-the-secret-of-this-app-but-long-enough'));
    case 'expiredToken':
      return app.token('root', ['admin'], '-5m');
    case 'customer':
      return app.token('alice', ['customer']);
    case 'otherCustomer':
      return app.token('bob', ['customer']);
    case 'operator':
      return app.token('ops', ['operator']);
    case 'admin':
      return app.token('root', ['admin']);
  }
}

type Expected = Record<Caller, number>;
const bad = { invalidToken: 401, expiredToken: 401 } as const;
const everyone = (status: number): Expected => ({ anonymous: status, ...bad, customer: status, otherCustomer: status, operator: status, admin: status });
const customers = (status: number): Expected => ({ anonymous: 401, ...bad, customer: status, otherCustomer: status, operator: 403, admin: 403 });
const admins = (status: number): Expected => ({ anonymous: 401, ...bad, customer: 403, otherCustomer: 403, operator: 403, admin: status });
const staff = (status: number): Expected => ({ anonymous: 401, ...bad, customer: 403, otherCustomer: 403, operator: status, admin: status });
/** The owner and staff see it; another customer is told it does not exist. */
const ownerAndStaff = (status: number): Expected => ({ anonymous: 401, ...bad, customer: status, otherCustomer: 404, operator: status, admin: status });
/** The owner alone: another customer is told it does not exist, staff may not. */
const owner = (status: number): Expected => ({ anonymous: 401, ...bad, customer: status, otherCustomer: 404, operator: 403, admin: 403 });

interface Case {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: Expected;
}

/** Per operationId: a request that succeeds for whoever may make it. */
const CASES: Record<string, Case> = {
  liveness: { path: '/healthz', expect: everyone(200) },
  readiness: { path: '/readyz', expect: everyone(200) },
  listProducts: { path: '/products', expect: everyone(200) },
  getProduct: { path: `/products/${SKU}`, expect: everyone(200) },
  createProduct: { path: '/products', body: { sku: 'DESK-1', name: 'Desk', priceCents: 100, initialStock: 1 }, expect: admins(201) },
  updateProduct: { path: `/products/${SKU}`, body: { description: 'changed' }, expect: admins(200) },
  getStockLevel: { path: `/inventory/${SKU}`, expect: everyone(200) },
  checkAvailability: { path: `/inventory?sku=${SKU}`, expect: everyone(200) },
  adjustStock: { path: `/inventory/${SKU}/adjustments`, body: { delta: 1, reason: 'matrix restock' }, expect: admins(200) },
  placeOrder: { path: '/orders', body: { lines: [{ sku: SKU, quantity: 1 }] }, expect: customers(202) },
  listOrders: { path: '/orders', expect: { ...ownerAndStaff(200), otherCustomer: 200 } },
  getOrder: { path: `/orders/${ALICE_ORDER}`, expect: ownerAndStaff(200) },
  listOrderNotifications: { path: `/orders/${ALICE_ORDER}/notifications`, expect: ownerAndStaff(200) },
  listOrderEvents: { path: `/orders/${ALICE_ORDER}/events`, expect: ownerAndStaff(200) },
  cancelOrder: { path: `/orders/${ALICE_ORDER}/cancel`, expect: ownerAndStaff(200) },
  shipOrder: { path: `/orders/${ALICE_ORDER}/shipments`, body: { carrier: 'DHL', trackingNumber: 'JD0001' }, headers: { 'idempotency-key': 'ship-1' }, expect: staff(201) },
  deliverShipment: { path: `/orders/${ALICE_ORDER}/shipments/${SHIPMENT}/delivery`, expect: staff(200) },
  requestReturn: { path: `/orders/${ALICE_ORDER}/returns`, body: { lines: [{ sku: SKU, quantity: 1 }], reason: 'too small' }, expect: owner(201) },
  receiveReturn: { path: `/orders/${ALICE_ORDER}/returns/${RETURN}/receipt`, body: { restock: true }, expect: staff(200) },
  codecEncode: { path: '/codec/encode', body: { payloads: [] }, expect: staff(200) },
  codecDecode: { path: '/codec/decode', body: { payloads: [] }, expect: staff(200) },
  listWebhooks: { path: '/webhooks', expect: admins(200) },
  getWebhook: { path: `/webhooks/${WEBHOOK}`, expect: admins(200) },
  createWebhook: { path: '/webhooks', body: { url: 'https://hooks.example.com/orders', events: ['order.confirmed'] }, expect: admins(201) },
  updateWebhook: { path: `/webhooks/${WEBHOOK}`, body: { enabled: false }, expect: admins(200) },
  deleteWebhook: { path: `/webhooks/${WEBHOOK}`, expect: admins(204) },
  listWebhookDeliveries: { path: `/webhooks/${WEBHOOK}/deliveries`, expect: admins(200) },
  redeliverWebhook: { path: `/webhooks/${WEBHOOK}/deliveries/${DELIVERY}/redeliver`, expect: admins(202) },
};

const CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

function expectAnswer(response: FastResponse, status: number) {
  expect(response.status, response.text).toBe(status);
  if (status >= 400) expect(response.body).toEqual({ error: { code: CODES[status], message: expect.any(String), details: [] } });
}

let document: OpenApiDocument;
beforeAll(async () => {
  document = await offlineDocument();
});

describe('authorisation matrix: every operation of the OpenAPI document', () => {
  it('has a case for every operation, and the document says which need no token', () => {
    const operations = operationsOf(document);
    expect(operations.map((op) => op.operationId).sort()).toEqual(Object.keys(CASES).sort());
    for (const { operationId, operation } of operations) {
      const isPublic = operation.security !== undefined && operation.security.length === 0;
      expect({ operationId, isPublic }).toEqual({ operationId, isPublic: CASES[operationId]!.expect.anonymous < 400 });
    }
  });

  const rows = Object.entries(CASES).flatMap(([operationId, testCase]) => PRINCIPALS.map((caller) => ({ operationId, caller, testCase })));
  it.each(rows)('$operationId as $caller', async ({ operationId, caller, testCase }) => {
    const app = seededApp();
    const { method } = operationsOf(document).find((op) => op.operationId === operationId)!;
    const token = await tokenOf(app, caller);
    const response = await app.request(method, testCase.path, { ...(token !== undefined && { token }), ...(testCase.body !== undefined && { body: testCase.body }), ...(testCase.headers && { headers: testCase.headers }) });
    expectAnswer(response, testCase.expect[caller]);
    // A refusal starts nothing: the check comes before any workflow.
    if (response.status >= 400) expect(app.temporal.untouched).toBe(true);
    if (token !== undefined) expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('serves /openapi.json and /docs to everyone, /docs framed by nobody; /metrics is not on this listener', async () => {
    const app = seededApp();
    for (const caller of ['anonymous', 'customer'] as const) {
      const token = await tokenOf(app, caller);
      const auth = token !== undefined ? { token } : {};
      expect((await app.request('GET', '/openapi.json', auth)).status).toBe(200);
      const docs = await app.request('GET', '/docs', auth);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(docs.headers.get('x-frame-options')).toBe('DENY');
      expectAnswer(await app.request('GET', '/metrics', auth), 404);
    }
  });
});

describe('a customer sees only their own orders', () => {
  it("another customer's order is 404 on every order operation, and its cancel sends nothing", async () => {
    const app = seededApp();
    const alice = await app.token('alice', ['customer']);
    const requests: Array<[method: string, path: string, body?: unknown]> = [
      ['GET', `/orders/${BOB_ORDER}`],
      ['GET', `/orders/${BOB_ORDER}/notifications`],
      ['POST', `/orders/${BOB_ORDER}/cancel`],
      ['POST', `/orders/${BOB_ORDER}/returns`, { lines: [{ sku: SKU, quantity: 1 }], reason: 'not mine' }],
    ];
    for (const [method, path, body] of requests) {
      const response = await app.request(method, path, { token: alice, ...(body !== undefined && { body }) });
      expectAnswer(response, 404);
      // Indistinguishable from an order that does not exist.
      expect(response.body.error.message).toBe(`Order ${BOB_ORDER} not found`);
    }
    expect(app.temporal.untouched).toBe(true);
  });

  it('a customer who is also staff still asks for returns of their own orders only', async () => {
    const app = seededApp();
    const response = await app.request('POST', `/orders/${BOB_ORDER}/returns`, { token: await app.token('alice', ['customer', 'operator']), body: { lines: [{ sku: SKU, quantity: 1 }], reason: 'not mine' } });
    expectAnswer(response, 404);
    expect(app.temporal.untouched).toBe(true);
  });

  it('lists only their own orders; staff list everyone’s', async () => {
    const app = seededApp();
    const listed = async (token: string) => ((await app.request('GET', '/orders', { token })).body.items as Array<{ orderId: string }>).map((o) => o.orderId);
    expect(await listed(await app.token('alice', ['customer']))).toEqual([ALICE_ORDER]);
    expect(await listed(await app.token('bob', ['customer']))).toEqual([BOB_ORDER]);
    expect(await listed(await app.token('carol', ['customer']))).toEqual([]);
    expect((await listed(await app.token('ops', ['operator']))).sort()).toEqual([ALICE_ORDER, BOB_ORDER].sort());
  });

  it('places an order as the token says: customer ID and email from the token, never from the body', async () => {
    const app = seededApp();
    const response = await app.request('POST', '/orders', { token: await app.token('alice', ['customer']), body: { lines: [{ sku: SKU, quantity: 2 }] } });
    expect(response.status).toBe(202);
    const [started] = app.temporal.started;
    expect(started).toMatchObject({ workflowType: 'PlaceOrder', workflowId: `order-${response.body.orderId}`, args: [{ customerId: 'alice', customerEmail: 'alice@example.test' }] });
    expect(started!.searchAttributes?.map((attribute) => [attribute.key.name, attribute.value])).toEqual([
      ['CustomerId', 'alice'],
      ['OrderStatus', 'PENDING'],
    ]);
  });
});

const now = () => Math.floor(Date.now() / 1000);
const unsigned = (header: object, payload: object) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

describe('token attacks: every one is a 401 that says nothing about our keys', () => {
  let rsaKey: SigningKey;
  let ecKey: SigningKey;
  let app: FastApp;
  beforeAll(async () => {
    [rsaKey, ecKey] = await Promise.all([newSigningKey('RS256'), newSigningKey('ES256')]);
    // The identity provider's published keys, in memory: no key set endpoint to fetch.
    app = fastApp({ jwks: createLocalJWKSet({ keys: [rsaKey.publicJwk, ecKey.publicJwk] }) });
  });

  const devClaims = (overrides: Record<string, unknown> = {}) => ({
    sub: 'alice',
    email: 'alice@example.test',
    roles: ['admin'],
    iss: DEVELOPMENT_ISSUER,
    aud: DEVELOPMENT_AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });
  const idpClaims = (overrides: Record<string, unknown> = {}) => ({ sub: 'idp-user', email: 'idp-user@example.test', roles: ['customer', 'offline_access'], iss: DEVELOPMENT_ISSUER, aud: DEVELOPMENT_AUDIENCE, ...overrides });
  const hs256 = (claims: Record<string, unknown>, { secret = app.tokens.secret!, alg = 'HS256' }: { secret?: string; alg?: string } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));

  const attacks: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => unsigned({ alg: 'none', typ: 'JWT' }, devClaims())],
    ['alg none, upper case', async () => unsigned({ alg: 'NONE' }, devClaims())],
    ['signed with another secret', () => hs256(devClaims(), { secret: 'not-the-secret-of-this-app-but-long-enough' })],
    ['expired', () => hs256(devClaims({ exp: now() - 120 }))],
    ['not yet valid (nbf)', () => hs256(devClaims({ nbf: now() + 3_600 }))],
    ['wrong issuer', () => hs256(devClaims({ iss: 'https://evil.example' }))],
    ['wrong audience', () => hs256(devClaims({ aud: 'another-api' }))],
    ['no expiry', () => hs256(devClaims({ exp: undefined }))],
    ['expiry as a string', () => hs256(devClaims({ exp: String(now() + 600) }))],
    ['no subject', () => hs256(devClaims({ sub: undefined }))],
    ['a NUL in the subject', () => hs256(devClaims({ sub: 'ali\u0000ce' }))],
    ['a subject with surrounding spaces', () => hs256(devClaims({ sub: ' alice' }))],
    ['not an email', () => hs256(devClaims({ email: 'alice' }))],
    ['roles as a string', () => hs256(devClaims({ roles: 'admin' }))],
    ['no roles', () => hs256(devClaims({ roles: [] }))],
    ['only unknown roles', () => hs256(devClaims({ roles: ['superuser', 'root'] }))],
    ['roles missing', () => hs256(devClaims({ roles: undefined }))],
    ['HS512 with the right secret (algorithm not accepted)', () => hs256(devClaims(), { alg: 'HS512' })],
    [
      'tampered payload (customer made admin, signature kept)',
      async () => {
        const [header, , signature] = (await app.token('eve', ['customer'])).split('.');
        return `${header}.${Buffer.from(JSON.stringify(devClaims({ sub: 'eve' }))).toString('base64url')}.${signature}`;
      },
    ],
    // HS/RS confusion: the provider's public key, which anyone can fetch, used as an HMAC secret.
    ['HS256 signed with the public RSA key', () => hs256(devClaims(), { secret: JSON.stringify(rsaKey.publicJwk) })],
    ['RS256 from a key the provider never published', async () => signWith(await newSigningKey('RS256'), idpClaims())],
    ["RS256 claiming the provider's kid, signed by another key", async () => signWith({ ...(await newSigningKey('RS256')), kid: rsaKey.kid }, idpClaims())],
    ['RS256 pointing at its own key set (jku)', async () => signWith(await newSigningKey('RS256'), idpClaims(), { header: { jku: 'http://127.0.0.1:1/evil-keys' } })],
    [
      'ES256 token relabelled RS256',
      async () =>
        signWith(ecKey, idpClaims(), { header: { alg: 'ES256' } }).then((token) => token.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', kid: ecKey.kid })).toString('base64url'))),
    ],
    ['unknown critical header', () => signWith(rsaKey, idpClaims(), { header: { crit: ['x-must-understand'], 'x-must-understand': true }, crit: { 'x-must-understand': true } })],
    ['provider token without expiry', () => signWith(rsaKey, idpClaims(), { expiresIn: 0 })],
    ['provider token, wrong issuer', () => signWith(rsaKey, idpClaims({ iss: 'https://another-idp.example' }))],
    ['provider token, wrong audience', () => signWith(rsaKey, idpClaims({ aud: 'someone-else' }))],
    ['provider token, expired', () => signWith(rsaKey, idpClaims({ exp: now() - 3_600 }))],
    ['garbage in three parts', async () => 'abc.def.ghi'],
    ['ten thousand characters', async () => 'a'.repeat(10_000)],
  ];

  it.each(attacks)('%s', async (_name, make) => {
    const response = await app.request('GET', '/orders', { token: await make() });
    expectAnswer(response, 401);
    expect(response.text).not.toMatch(/kid|secret|JWT_|jwks|key id/i);
  });

  const headerAttacks: Array<[string, () => Promise<Record<string, string>>]> = [
    ['a token in the query string only', async () => ({})],
    ['Bearer without a token', async () => ({ authorization: 'Bearer ' })],
    ['Basic credentials', async () => ({ authorization: `Basic ${Buffer.from('root:root').toString('base64')}` })],
    ['two tokens', async () => ({ authorization: `Bearer ${await app.token('root', ['admin'])} ${await app.token('root', ['admin'])}` })],
  ];
  it.each(headerAttacks)('%s', async (_name, headers) => {
    const admin = await app.token('root', ['admin']);
    expectAnswer(await app.request('GET', `/orders?access_token=${admin}&token=${admin}`, { headers: await headers() }), 401);
  });

  it("accepts the provider's RS256 and ES256 tokens, with our roles among others", async () => {
    for (const key of [rsaKey, ecKey]) {
      expect((await app.request('GET', '/orders', { token: await signWith(key, idpClaims()) })).status).toBe(200);
    }
    app.store.products.set(SKU, product(SKU));
    expect((await app.request('POST', '/orders', { token: await signWith(rsaKey, idpClaims()), body: { lines: [{ sku: SKU, quantity: 1 }] } })).status).toBe(202);
  });
});

describe('an identity provider out of reach', () => {
  it('is a 503 with Retry-After, not a 401: the token may well be good; development tokens still work', async () => {
    const key = await newSigningKey('RS256');
    const app = fastApp({ jwks: async () => Promise.reject(new TypeError('fetch failed')) });
    const response = await app.request('GET', '/orders', { token: await signWith(key, { sub: 'idp-user', email: 'idp-user@example.test', roles: ['customer'], iss: DEVELOPMENT_ISSUER, aud: DEVELOPMENT_AUDIENCE }) });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String), details: [] } });
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await app.request('GET', '/orders', { token: await app.token('alice', ['customer']) })).status).toBe(200);
  });
});
