import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER } from '../../common/config.js';
import { JwksServer, newSigningKey, signWith, type SigningKey } from '../support/jwks-server.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// Tokens from an identity provider's key set (JWKS) fetched over HTTP by the real API process:
// what only a key set endpoint can show (rotation, an outage). The authorisation matrix, the
// token attacks and the provider's tokens against published keys are fast tests (api/authorization.test.ts).
const smtp = new SmtpSink();
const jwks = new JwksServer();
let stack: TestStack;
let rsaKey: SigningKey;
let ecKey: SigningKey;
let customer: string;

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
    env: { JWT_JWKS_URL: jwks.url, JWT_JWKS_COOLDOWN_MS: '0' },
  });
  customer = await stack.token('alice', ['customer']);
});

afterAll(async () => {
  await stack?.stop();
  await jwks.stop();
  await smtp.stop();
});

const expect401 = (response: { status: number; body: unknown }) => {
  expect(response.status).toBe(401);
  expect(response.body).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
};

describe("an identity provider's tokens (JWKS)", () => {
  it('accepts tokens signed with the keys the endpoint publishes', async () => {
    for (const key of [rsaKey, ecKey]) {
      expect((await stack.request('GET', '/orders', { token: await signWith(key, idpClaims()) })).status).toBe(200);
    }
  });

  it('picks up a rotated key without a restart, and stops accepting the retired one', async () => {
    const next = await newSigningKey('RS256');
    const before = jwks.fetches;
    jwks.publish([next, ecKey]);
    expect((await stack.request('GET', '/orders', { token: await signWith(next, idpClaims()) })).status).toBe(200);
    expect(jwks.fetches).toBeGreaterThan(before);
    expect401(await stack.request('GET', '/orders', { token: await signWith(rsaKey, idpClaims()) }));
    jwks.publish([rsaKey, ecKey]);
  });

  it('answers 503, not 401, while the key set is out of reach: the token may well be good', async () => {
    await jwks.stop();
    const response = await stack.request('GET', '/orders', { token: await signWith(await newSigningKey('RS256'), idpClaims()) });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: { code: 'UNAVAILABLE' } });
    expect(response.headers.get('retry-after')).toBe('5');
    // Development tokens do not depend on the provider.
    expect((await stack.request('GET', '/orders', { token: customer })).status).toBe(200);
  });
});
