import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../../common/config.js';
import { uniqueSku } from '../support/databases.js';
import { JwksServer, newSigningKey, signWith, type SigningKey } from '../support/jwks-server.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// Who may do what, over HTTP against the real processes: one table of every endpoint, the
// token attacks that must all be 401, and tokens from an identity provider's key set (JWKS).
const smtp = new SmtpSink();
const jwks = new JwksServer();
let stack: TestStack;
let rsaKey: SigningKey;
let ecKey: SigningKey;

const PRINCIPALS = ['anonymous', 'badToken', 'customer', 'otherCustomer', 'operator', 'admin'] as const;
type Principal = (typeof PRINCIPALS)[number];
const tokens = {} as Record<Exclude<Principal, 'anonymous'>, string>;

const fixtures = { sku: '', orderId: '', cancellableOrderId: '' };
const now = () => Math.floor(Date.now() / 1000);
const idpClaims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'idp-user',
  email: 'idp-user@example.test',
  roles: ['customer', 'offline_access'],
  iss: DEVELOPMENT_ISSUER,
  aud: DEVELOPMENT_AUDIENCE,
  ...overrides,
});

beforeAll(async () => {
  await smtp.start();
  [rsaKey, ecKey] = await Promise.all([newSigningKey('RS256'), newSigningKey('ES256')]);
  await jwks.start([rsaKey, ecKey]);
  stack = await TestStack.start({
    name: 'authorization',
    smtpUrl: smtp.url,
    // Development tokens (JWT_SECRET, from the run's secrets) and the identity provider's, side by side.
    env: { JWT_JWKS_URL: jwks.url, JWT_JWKS_COOLDOWN_MS: '0', ORDER_CANCELLATION_WINDOW: '1h', RATE_LIMIT_ORDERS: '1000' },
  });
  const wrongSecret = await new SignJWT({ email: 'mallory@example.test', roles: ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('mallory')
    .setIssuer(DEVELOPMENT_ISSUER)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-secret-of-this-install-but-long-enough'));
  Object.assign(tokens, {
    badToken: wrongSecret,
    customer: await stack.token('alice', ['customer']),
    otherCustomer: await stack.token('bob', ['customer']),
    operator: await stack.token('ops', ['operator']),
    admin: await stack.token('root', ['admin']),
  });
  fixtures.sku = await createProduct(stack, 1_000, 'AUTHZ');
  const place = () => stack.request('POST', '/orders', { token: tokens.customer, body: { lines: [{ sku: fixtures.sku, quantity: 1 }] }, headers: { prefer: 'wait=30' } });
  fixtures.orderId = (await place()).body.orderId;
  fixtures.cancellableOrderId = (await place()).body.orderId;
});

afterAll(async () => {
  await stack?.stop();
  await jwks.stop();
  await smtp.stop();
});

const CODES: Record<number, string> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT' };

const expectAnswer = (response: { status: number; body: unknown }, status: number) => {
  expect(response.status).toBe(status);
  if (status >= 400) expect(response.body).toMatchObject({ error: { code: CODES[status], message: expect.any(String) } });
};

interface Endpoint {
  method: string;
  path: () => string;
  body?: () => unknown;
  /** The status each principal gets, from the contract. */
  expect: Record<Principal, number>;
}

const everyone = (status: number): Record<Principal, number> => ({ anonymous: status, badToken: 401, customer: status, otherCustomer: status, operator: status, admin: status });
const customers = (status: number): Record<Principal, number> => ({ anonymous: 401, badToken: 401, customer: status, otherCustomer: status, operator: 403, admin: 403 });
const admins = (status: number): Record<Principal, number> => ({ anonymous: 401, badToken: 401, customer: 403, otherCustomer: 403, operator: 403, admin: status });
const staff = (status: number): Record<Principal, number> => ({ anonymous: 401, badToken: 401, customer: 403, otherCustomer: 403, operator: status, admin: status });
/** The owner and staff see it; another customer is told it does not exist. */
const ownerAndStaff = (status: number): Record<Principal, number> => ({ anonymous: 401, badToken: 401, customer: status, otherCustomer: 404, operator: status, admin: status });

const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: () => '/healthz', expect: everyone(200) },
  { method: 'GET', path: () => '/readyz', expect: everyone(200) },
  { method: 'GET', path: () => '/openapi.json', expect: everyone(200) },
  { method: 'GET', path: () => '/products', expect: everyone(200) },
  { method: 'GET', path: () => `/products/${fixtures.sku}`, expect: everyone(200) },
  { method: 'POST', path: () => '/products', body: () => ({ sku: uniqueSku('AUTHZ'), name: 'Matrix lamp', priceCents: 100, initialStock: 1 }), expect: admins(201) },
  { method: 'PATCH', path: () => `/products/${fixtures.sku}`, body: () => ({ description: 'checked by the matrix' }), expect: admins(200) },
  { method: 'GET', path: () => `/inventory/${fixtures.sku}`, expect: everyone(200) },
  { method: 'GET', path: () => `/inventory?sku=${fixtures.sku}`, expect: everyone(200) },
  { method: 'POST', path: () => `/inventory/${fixtures.sku}/adjustments`, body: () => ({ delta: 1, reason: 'matrix restock' }), expect: admins(200) },
  { method: 'POST', path: () => '/orders', body: () => ({ lines: [{ sku: fixtures.sku, quantity: 1 }] }), expect: customers(202) },
  { method: 'GET', path: () => '/orders', expect: { ...ownerAndStaff(200), otherCustomer: 200 } },
  { method: 'GET', path: () => `/orders/${fixtures.orderId}`, expect: ownerAndStaff(200) },
  { method: 'GET', path: () => `/orders/${fixtures.orderId}/notifications`, expect: ownerAndStaff(200) },
  // The owner cancels first; staff then get the (already) cancelled order.
  { method: 'POST', path: () => `/orders/${fixtures.cancellableOrderId}/cancel`, expect: ownerAndStaff(200) },
  { method: 'POST', path: () => '/codec/decode', body: () => ({ payloads: [] }), expect: staff(200) },
  { method: 'POST', path: () => '/codec/encode', body: () => ({ payloads: [] }), expect: staff(200) },
  // Only on the metrics listener, never on the public port.
  { method: 'GET', path: () => '/metrics', expect: everyone(404) },
];

describe('authorisation matrix', () => {
  describe.each(ENDPOINTS)('$method $path', (endpoint) => {
    it.each(PRINCIPALS)('%s', async (principal) => {
      const response = await stack.request(endpoint.method, endpoint.path(), {
        ...(principal !== 'anonymous' && { token: tokens[principal] }),
        ...(endpoint.body && { body: endpoint.body() }),
      });
      expectAnswer(response, endpoint.expect[principal]);
      if (principal !== 'anonymous') expect(response.headers.get('cache-control')).toBe('no-store');
    });
  });

  it('answers /docs to everyone, framed by nobody', async () => {
    const docs = await fetch(`${stack.apiUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(docs.headers.get('x-frame-options')).toBe('DENY');
  });
});

const unsigned = (header: object, payload: object) =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

const hs256 = (claims: Record<string, unknown>, { secret = stack.prepared.secrets.JWT_SECRET, alg = 'HS256' }: { secret?: string; alg?: string } = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));

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

describe('token attacks: every one is a 401 that says nothing about our keys', () => {
  const attacks: Array<[string, () => Promise<string>]> = [
    ['alg none', async () => unsigned({ alg: 'none', typ: 'JWT' }, devClaims())],
    ['alg none, upper case', async () => unsigned({ alg: 'NONE' }, devClaims())],
    ['signed with another secret', async () => tokens.badToken],
    ['expired', () => hs256(devClaims({ exp: now() - 120 }))],
    ['not yet valid (nbf)', () => hs256(devClaims({ nbf: now() + 3_600 }))],
    ['wrong issuer', () => hs256(devClaims({ iss: 'https://evil.example' }))],
    ['wrong audience', () => hs256(devClaims({ aud: 'another-api' }))],
    ['no expiry', () => hs256(devClaims({ exp: undefined }))],
    ['expiry as a string', () => hs256(devClaims({ exp: String(now() + 600) }))],
    ['no subject', () => hs256(devClaims({ sub: undefined }))],
    ['a NUL in the subject', () => hs256(devClaims({ sub: 'ali\u0000ce' }))],
    ['not an email', () => hs256(devClaims({ email: 'alice' }))],
    ['roles as a string', () => hs256(devClaims({ roles: 'admin' }))],
    ['no roles', () => hs256(devClaims({ roles: [] }))],
    ['only unknown roles', () => hs256(devClaims({ roles: ['superuser', 'root'] }))],
    ['roles missing', () => hs256(devClaims({ roles: undefined }))],
    ['HS512 with the right secret (algorithm not accepted)', () => hs256(devClaims(), { alg: 'HS512' })],
    [
      'tampered payload (customer made admin, signature kept)',
      async () => {
        const [header, , signature] = (await stack.token('eve', ['customer'])).split('.');
        return `${header}.${Buffer.from(JSON.stringify(devClaims({ sub: 'eve' }))).toString('base64url')}.${signature}`;
      },
    ],
    // HS/RS confusion: the provider's public key, which anyone can fetch, used as an HMAC secret.
    ['HS256 signed with the public RSA key', () => hs256(devClaims(), { secret: JSON.stringify(rsaKey.publicJwk) })],
    ['RS256 from a key the provider never published', async () => signWith(await newSigningKey('RS256'), idpClaims())],
    [
      "RS256 claiming the provider's kid, signed by another key",
      async () => signWith({ ...(await newSigningKey('RS256')), kid: rsaKey.kid }, idpClaims()),
    ],
    [
      'RS256 pointing at its own key set (jku)',
      async () => {
        const forged = await newSigningKey('RS256');
        return signWith(forged, idpClaims(), { header: { jku: 'http://127.0.0.1:1/evil-keys' } });
      },
    ],
    ['ES256 token relabelled RS256', async () => signWith(ecKey, idpClaims(), { header: { alg: 'ES256' } }).then((token) => token.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', kid: ecKey.kid })).toString('base64url')))],
    ['unknown critical header', () => signWith(rsaKey, idpClaims(), { header: { crit: ['x-must-understand'], 'x-must-understand': true }, crit: { 'x-must-understand': true } })],
    ['provider token without expiry', () => signWith(rsaKey, idpClaims(), { expiresIn: 0 })],
    ['garbage in three parts', async () => 'abc.def.ghi'],
    ['ten thousand characters', async () => 'a'.repeat(10_000)],
  ];

  it.each(attacks)('%s', async (_name, make) => {
    const response = await stack.request('GET', '/orders', { token: await make() });
    expectAnswer(response, 401);
    expect(JSON.stringify(response.body)).not.toMatch(/kid|secret|JWT_|jwks|key id/i);
  });

  const headerAttacks: Array<[string, () => Promise<Record<string, string>>]> = [
    ['a token in the query string only', async () => ({})],
    ['Bearer without a token', async () => ({ authorization: 'Bearer ' })],
    ['Basic credentials', async () => ({ authorization: `Basic ${Buffer.from('root:root').toString('base64')}` })],
    ['two tokens', async () => ({ authorization: `Bearer ${tokens.admin} ${tokens.admin}` })],
  ];
  it.each(headerAttacks)('%s', async (_name, headers) => {
    const response = await stack.request('GET', `/orders?access_token=${tokens.admin}&token=${tokens.admin}`, { headers: await headers() });
    expectAnswer(response, 401);
  });
});

describe("an identity provider's tokens (JWKS)", () => {
  it('accepts RS256 and ES256 tokens from published keys, with roles among other roles', async () => {
    for (const key of [rsaKey, ecKey]) {
      const response = await stack.request('GET', '/orders', { token: await signWith(key, idpClaims()) });
      expect(response.status).toBe(200);
    }
    const order = await stack.request('POST', '/orders', { token: await signWith(rsaKey, idpClaims()), body: { lines: [{ sku: fixtures.sku, quantity: 1 }] } });
    expect(order.status).toBe(202);
  });

  it('refuses an unknown kid, the wrong issuer or audience, and an expired token', async () => {
    const refused = [
      await signWith({ ...rsaKey, kid: randomUUID() }, idpClaims()),
      await signWith(rsaKey, idpClaims({ iss: 'https://another-idp.example' })),
      await signWith(rsaKey, idpClaims({ aud: 'someone-else' })),
      await signWith(rsaKey, idpClaims({ exp: now() - 3_600 })),
    ];
    for (const token of refused) expectAnswer(await stack.request('GET', '/orders', { token }), 401);
  });

  it('picks up a rotated key without a restart, and stops accepting the retired one', async () => {
    const next = await newSigningKey('RS256');
    const before = jwks.fetches;
    jwks.publish([next, ecKey]);
    expect((await stack.request('GET', '/orders', { token: await signWith(next, idpClaims()) })).status).toBe(200);
    expect(jwks.fetches).toBeGreaterThan(before);
    expectAnswer(await stack.request('GET', '/orders', { token: await signWith(rsaKey, idpClaims()) }), 401);
    jwks.publish([rsaKey, ecKey]);
  });

  it('answers 503, not 401, while the key set is out of reach: the token may well be good', async () => {
    await jwks.stop();
    const response = await stack.request('GET', '/orders', { token: await signWith(await newSigningKey('RS256'), idpClaims()) });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect(response.headers.get('retry-after')).toBe('5');
    // Development tokens do not depend on the provider.
    expect((await stack.request('GET', '/orders', { token: tokens.customer })).status).toBe(200);
  });
});
