import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { DEVELOPMENT_AUDIENCE, DEVELOPMENT_ISSUER, type AuthConfig } from './config.js';
import { PlainText } from './text.js';

export const ROLES = ['customer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  email: string;
  roles: Role[];
}

/** How the API checks tokens: development HS256 tokens, an identity provider's key set, or both. */
export interface TokenConfig {
  /** HS256 shared secret (development). */
  secret?: string;
  /** The same secret as a key, imported once rather than on every request. */
  secretKey?: KeyObject;
  /** The identity provider's keys, fetched and cached (RS256, ES256, ...). */
  jwks?: JWTVerifyGetKey;
  algorithms: string[];
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** A claim name or dotted path to the roles array. */
  rolesClaim: string;
}

/** The token settings of a parsed auth config; the key set is fetched lazily and cached by jose. */
export function tokenConfig(auth: AuthConfig): TokenConfig {
  return {
    ...(auth.JWT_SECRET !== undefined && { secret: auth.JWT_SECRET, secretKey: createSecretKey(Buffer.from(auth.JWT_SECRET, 'utf8')) }),
    ...(auth.JWT_JWKS_URL !== undefined && {
      jwks: createRemoteJWKSet(new URL(auth.JWT_JWKS_URL), {
        cooldownDuration: auth.JWT_JWKS_COOLDOWN_MS,
        cacheMaxAge: auth.JWT_JWKS_CACHE_MAX_AGE_MS,
        timeoutDuration: 5_000,
      }),
    }),
    algorithms: auth.JWT_ALGORITHMS,
    issuer: auth.JWT_ISSUER ?? DEVELOPMENT_ISSUER,
    audience: auth.JWT_AUDIENCE ?? DEVELOPMENT_AUDIENCE,
    clockToleranceSeconds: auth.JWT_CLOCK_TOLERANCE_SECONDS,
    rolesClaim: auth.JWT_ROLES_CLAIM,
  };
}

const claims = z.object({
  // The subject becomes the customer ID in stored orders: the same text rules as any input, and
  // refused rather than trimmed (" alice" and "alice" must not become one customer).
  sub: z.string().refine((sub) => sub === sub.trim(), 'no surrounding spaces').pipe(PlainText(200, { min: 1 })),
  email: z.email().max(254),
  // Providers put many roles in a token (offline_access, ...); ours must be among them.
  roles: z
    .array(z.string().max(100))
    .max(100)
    .transform((roles) => ROLES.filter((role) => roles.includes(role)))
    .pipe(z.array(z.enum(ROLES)).min(1, 'grants none of the roles customer, operator, admin')),
});

/** Mints an HS256 token (development tokens from the CLI, tests). */
export async function mintToken(principal: Principal, config: { secret: string; issuer: string; audience: string }, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ email: principal.email, roles: principal.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(config.secret));
}

/** The identity provider's key set could not be had (down, slow, or answering garbage): not the token's fault. */
export class IdentityProviderUnavailable extends Error {
  override name = 'IdentityProviderUnavailable';
}

/** A failure to fetch the key set, as opposed to a token that does not verify against it. */
const isKeySetOutage = (error: unknown) =>
  error instanceof errors.JWKSTimeout ||
  error instanceof errors.JWKSInvalid ||
  // jose's generic error is what a non-200 answer of the key set endpoint raises.
  (error instanceof errors.JOSEError && error.code === errors.JOSEError.code) ||
  !(error instanceof errors.JOSEError);

const claimAt = (payload: JWTPayload, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), payload);

/**
 * Verifies signature, issuer, audience, expiry (which every token must carry) and not-before,
 * then the claims we rely on; throws if any fails. The header's `alg` picks the key, and each
 * key accepts only its own algorithms: an HS256 token is never checked against a public key.
 */
export async function verifyToken(token: string, config: TokenConfig): Promise<Principal> {
  const { alg } = decodeProtectedHeader(token);
  const options = { issuer: config.issuer, audience: config.audience, clockTolerance: config.clockToleranceSeconds, requiredClaims: ['exp', 'sub'] };
  let payload: JWTPayload;
  if (alg === 'HS256' && config.secret !== undefined) {
    const key = config.secretKey ?? createSecretKey(Buffer.from(config.secret, 'utf8'));
    ({ payload } = await jwtVerify(token, key, { ...options, algorithms: ['HS256'] }));
  } else if (config.jwks !== undefined) {
    try {
      ({ payload } = await jwtVerify(token, config.jwks, { ...options, algorithms: config.algorithms }));
    } catch (error) {
      if (isKeySetOutage(error)) throw new IdentityProviderUnavailable('the identity provider\'s key set is out of reach', { cause: error });
      throw error;
    }
  } else {
    throw new Error(`tokens signed with ${String(alg)} are not accepted`);
  }
  return claims.parse({ sub: payload.sub, email: payload.email, roles: claimAt(payload, config.rolesClaim) });
}
