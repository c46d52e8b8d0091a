import { randomBytes } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { DEFAULT_WEBHOOK_RETRY } from '../../activities/notification/webhooks.contract.js';
import { createApp } from '../../api/app.js';
import { ApiError } from '../../api/errors.js';
import { createApiMetrics } from '../../api/metrics.js';
import type { RateLimiter } from '../../api/rate-limit.js';
import { authEnv } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import { mintToken, tokenConfig, type Role, type TokenConfig } from '../../common/tokens.js';
import { FakeTemporal } from './fake-temporal.js';
import { emptyStore, memoryReaders, type Store } from './memory-reads.js';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** A limiter that lets everything through. */
export const noLimit: RateLimiter = async () => {};

/** A limiter that answers the API's 429 (as api/rate-limit.ts throws it) once `points` requests were counted. */
export function limitAfter(points: number): RateLimiter & { calls: string[] } {
  const calls: string[] = [];
  const consume = async (key: string) => {
    calls.push(key);
    if (calls.length > points) throw new ApiError(429, 'RATE_LIMITED', 'Too many requests; retry in 60 s', [], { 'Retry-After': '60' });
  };
  return Object.assign(consume, { calls });
}

export interface FastAppOptions {
  rateLimits?: { orders?: RateLimiter; catalogWrites?: RateLimiter };
  /** An identity provider's key set (e.g. jose's createLocalJWKSet), beside the HS256 secret. */
  jwks?: JWTVerifyGetKey;
  /** What /readyz checks besides Temporal; none by default. */
  databaseChecks?: Record<string, () => Promise<unknown>>;
  codecLocalPath?: string;
}

export interface FastResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the body holds
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** Sent as JSON unless it is a string (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The real HTTP app without a stack: in-memory read ports over `store`, a fake Temporal client that
 * records what the API asked of it, real HS256 tokens against a secret made for this app, and
 * rate limiters that count. Nothing connects anywhere.
 */
export function fastApp(options: FastAppOptions = {}) {
  const store = emptyStore();
  const readers = memoryReaders(store);
  const temporal = new FakeTemporal();
  const secret = randomBytes(32).toString('base64url');
  // As the server builds it from its environment; a test's local key set stands in for the provider's.
  const tokens: TokenConfig = {
    ...tokenConfig(authEnv.parse({ JWT_SECRET: secret, JWT_CLOCK_TOLERANCE_SECONDS: '0' })),
    ...(options.jwks && { jwks: options.jwks }),
  };
  const app = createApp({
    temporal: temporal.client,
    readers,
    databaseChecks: options.databaseChecks ?? {},
    tokens,
    log: createLogger('api', 'silent'),
    metrics: createApiMetrics(),
    bodyLimitBytes: BODY_LIMIT_BYTES,
    cancellationWindow: '30m',
    returnWindow: '30d',
    fulfilmentWindow: '14d',
    webhookRetry: DEFAULT_WEBHOOK_RETRY,
    codec: { codec: { encode: async (p) => p, decode: async (p) => p }, corsOrigins: [], ...(options.codecLocalPath && { localPath: options.codecLocalPath }) },
    rateLimits: { orders: options.rateLimits?.orders ?? noLimit, catalogWrites: options.rateLimits?.catalogWrites ?? noLimit },
  });

  /** A real token of this app's secret; `expiresIn` as jose takes it ('-5m' for one that has expired). */
  const token = (sub: string, roles: Role[], expiresIn = '10m') => mintToken({ sub, email: `${sub}@example.test`, roles }, { secret, issuer: tokens.issuer, audience: tokens.audience }, expiresIn);

  async function request(method: string, path: string, { token: bearer, body, headers = {} }: RequestOptions = {}): Promise<FastResponse> {
    const sent: Record<string, string> = { ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }), ...headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      sent['content-type'] ??= 'application/json';
      sent['content-length'] ??= String(Buffer.byteLength(payload));
    }
    const response = await app.request(path, { method, headers: sent, ...(payload !== undefined && { body: payload }) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  return { app, store: store as Store, readers, temporal, tokens, token, request };
}

export type FastApp = ReturnType<typeof fastApp>;
