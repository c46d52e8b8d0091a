import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyToken, type TokenConfig } from './tokens.js';

const secret = 'a-test-secret-of-at-least-thirty-two-characters';
const config: TokenConfig = { secret, algorithms: ['RS256'], issuer: 'https://idp.example/realms/shop', audience: 'orderflow-api', clockToleranceSeconds: 5, rolesClaim: 'roles' };
const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ sub: 'u1', email: 'u1@example.test', iss: config.issuer, aud: config.audience, exp: Math.floor(Date.now() / 1000) + 60, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));

describe('verifyToken', () => {
  it("reads roles from a nested claim, as Keycloak puts them, keeping only ours", async () => {
    const token = await sign({ realm_access: { roles: ['offline_access', 'operator', 'uma_authorization'] } });
    await expect(verifyToken(token, { ...config, rolesClaim: 'realm_access.roles' })).resolves.toEqual({ sub: 'u1', email: 'u1@example.test', roles: ['operator'] });
    await expect(verifyToken(token, config)).rejects.toThrow();
  });

  it('allows the configured clock skew on expiry, and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyToken(await sign({ roles: ['customer'], exp: now - 2 }), config)).resolves.toMatchObject({ sub: 'u1' });
    await expect(verifyToken(await sign({ roles: ['customer'], exp: now - 30 }), config)).rejects.toThrow(/exp/);
  });

  it('refuses an HS256 token when only a key set is configured', async () => {
    const { secret: _unused, ...jwksOnly } = config;
    await expect(verifyToken(await sign({ roles: ['admin'] }), jwksOnly)).rejects.toThrow(/not accepted/);
  });
});
