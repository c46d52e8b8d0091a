import { createMiddleware } from 'hono/factory';
import { IdentityProviderUnavailable, verifyToken, type Principal, type Role, type TokenConfig } from '../common/tokens.js';
import { ApiError } from './errors.js';
import type { ApiEnv } from './context.js';

const unauthenticated = (message: string) => new ApiError(401, 'UNAUTHENTICATED', message);

/**
 * Reads `Authorization: Bearer <JWT>` when present. A missing header leaves the request
 * anonymous (routes decide); a malformed or invalid token is always a 401.
 */
export function authenticate(config: TokenConfig) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw unauthenticated('Authorization header must be "Bearer <token>"');
      try {
        c.set('principal', await verifyToken(match[1], config));
      } catch (error) {
        // Keys out of reach say nothing about the token: the client should retry, not log in again.
        if (error instanceof IdentityProviderUnavailable) {
          c.get('log')?.warn({ err: error }, 'identity provider unavailable');
          throw new ApiError(503, 'UNAVAILABLE', 'Tokens cannot be checked right now; retry shortly', [], { 'Retry-After': '5' });
        }
        throw unauthenticated('Invalid or expired token');
      }
    }
    await next();
  });
}

/** 401 without a principal, 403 when the principal has none of the roles. */
export function requireRole(...roles: Role[]) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (!principal) throw unauthenticated('Authentication required');
    if (!principal.roles.some((role) => roles.includes(role))) {
      throw new ApiError(403, 'FORBIDDEN', `Requires role: ${roles.join(' or ')}`);
    }
    await next();
  });
}

export const isStaff = (principal: Principal) => principal.roles.includes('operator') || principal.roles.includes('admin');
