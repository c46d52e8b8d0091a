import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newSigningKey(alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * An identity provider's key set endpoint on loopback, as Keycloak or Auth0 serve it: the keys
 * it publishes can be swapped at any time (rotation), and it counts how often it was asked.
 */
export class JwksServer {
  fetches = 0;
  private keys: SigningKey[] = [];
  private server!: Server;
  url = '';

  async start(keys: SigningKey[]): Promise<this> {
    this.keys = keys;
    this.server = createServer((request, response) => {
      this.fetches += 1;
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: this.keys.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/shop/protocol/openid-connect/certs`;
    return this;
  }

  publish(keys: SigningKey[]): void {
    this.keys = keys;
  }

  /** Stops answering (an outage of the provider); stopping twice is fine. */
  stop(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A token as an identity provider issues it: `claims` and `header` override anything, and an
 * `exp` in the claims wins over `expiresIn` (0: no expiry at all). `crit` lets the test sign
 * headers that jose itself would refuse to.
 */
export function signWith(
  key: SigningKey,
  claims: JWTPayload,
  { expiresIn = '5m', header = {}, crit }: { expiresIn?: string | number; header?: Record<string, unknown>; crit?: Record<string, boolean> } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header });
  if (claims.iat === undefined) jwt.setIssuedAt();
  if (claims.exp === undefined && expiresIn !== 0) jwt.setExpirationTime(expiresIn);
  return jwt.sign(key.privateKey, crit ? { crit } : undefined);
}
