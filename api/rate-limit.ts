import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../common/logger.js';
import { ApiError } from './errors.js';

export interface RateLimit {
  /** Requests allowed per window, per principal. */
  points: number;
  windowSeconds: number;
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * A fixed-window limit per key whose counters live in PostgreSQL (the API's own schema), so
 * that every API replica shares it. When the store cannot answer, the request goes through
 * and a line is logged: an outage of the limiter must not become an outage of ordering.
 */
export function createRateLimiter(pool: pg.Pool, name: string, limit: RateLimit, log: Logger) {
  const store = new RateLimiterPostgres({
    storeClient: pool,
    schemaName: 'api',
    tableName: 'rate_limits',
    tableCreated: true,
    // Counters are kept per limit: changing a limit starts afresh rather than inheriting counts.
    keyPrefix: `${name}:${limit.points}/${limit.windowSeconds}s`,
    points: limit.points,
    duration: limit.windowSeconds,
  });
  let failingOpenSince: number | undefined;

  /** Counts one request for the key; throws 429 RATE_LIMITED (with Retry-After) past the limit. */
  return async function consume(key: string): Promise<void> {
    try {
      await store.consume(key);
      failingOpenSince = undefined;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
        throw new ApiError(429, 'RATE_LIMITED', `Too many requests; retry in ${retryAfter} s`, [], { 'Retry-After': String(retryAfter) });
      }
      // Logged once per outage, not once per request.
      if (failingOpenSince === undefined) {
        failingOpenSince = Date.now();
        log.error({ err: outcome, limiter: name }, 'rate limiter unavailable: letting requests through');
      }
    }
  };
}
