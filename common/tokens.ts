import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

export const ROLES = ['customer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  email: string;
  roles: Role[];
}

export interface TokenConfig {
  secret: string;
  issuer: string;
  audience: string;
}

const claims = z.object({
  sub: z.string().min(1).max(200),
  email: z.email(),
  roles: z.array(z.enum(ROLES)).min(1),
});

const key = (secret: string) => new TextEncoder().encode(secret);

/** Mints an HS256 token (development tokens from the CLI, tests). */
export async function mintToken(principal: Principal, config: TokenConfig, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ email: principal.email, roles: principal.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.sub)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key(config.secret));
}

/** Verifies signature, issuer, audience and expiry, then the claims we rely on; throws if any fails. */
export async function verifyToken(token: string, config: TokenConfig): Promise<Principal> {
  const { payload } = await jwtVerify(token, key(config.secret), {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: ['HS256'],
  });
  return claims.parse(payload);
}
