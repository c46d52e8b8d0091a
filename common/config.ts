import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { isLoopbackHost, type DevelopmentSetting } from './environment.js';

/** The five services. Each owns one PostgreSQL schema and one Temporal task queue. */
export const SERVICES = ['product', 'inventory', 'order', 'notification', 'payment'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The PostgreSQL schema each service owns. */
export const SERVICE_SCHEMAS = {
  product: 'product',
  inventory: 'inventory',
  order: 'orders',
  notification: 'notification',
  payment: 'payment',
} as const satisfies Record<ServiceName, string>;

export { ConfigError };

const port = z.coerce.number().int().min(1).max(65_535);
const positiveInt = z.coerce.number().int().positive();

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty lines on a terminal, JSON otherwise (common/logger.ts). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export const workerEnv = z.object({
  /** Where the worker serves the Temporal SDK's Prometheus metrics (host:port); unset: not served. */
  WORKER_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').optional(),
  /** Loopback port where the Temporal SDK's own exporter listens inside the process (served on through WORKER_METRICS_ADDRESS); unset: any free port. */
  WORKER_SDK_METRICS_PORT: port.optional(),
  /**
   * How many workflow runs each worker that hosts workflows (the order worker, the notification
   * process's webhooks worker) keeps in memory between their tasks (the SDK's sticky cache, least
   * recently used evicted first). The bound on its memory: a run evicted while it
   * waits (an order parked in its cancellation window) is replayed from its history when its
   * timer fires or a cancel arrives. Size it from the worker's memory (docs/performance.md).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).default(250),
});

/**
 * The V8 heap limit, in MiB, the order worker is started with (NODE_OPTIONS=--max-old-space-size;
 * it applies to each isolate: the main thread and the workflow thread). Without it V8 lets garbage
 * pile up to a quarter of the machine's memory before it collects hard, and in a container it sizes
 * the heap from the container's limit, too small for the workflow cache. Sized with
 * WORKER_MAX_CACHED_WORKFLOWS (docs/performance.md, The order worker).
 */
export const ORDER_WORKER_HEAP_MB = 512;

/**
 * The cap, in MiB, on each of V8's young-generation semi-spaces in every app process
 * (NODE_OPTIONS=--max-semi-space-size; by default V8 lets one grow to 64 on Node 24, to 16 on
 * Node 20). V8 grows and shrinks the young generation with the allocation rate, which moved a
 * mostly idle process's RSS by 30-40 MiB at a time in the soak on Node 20, up and down, with
 * nothing growing; at 4 it stays flat, the order worker holds about 60 MiB less, and the CPU per
 * order is the same (bench:ab: x1.01; docs/performance.md, The order worker).
 */
export const V8_SEMI_SPACE_MB = 4;

/**
 * The cap on glibc's malloc arenas in every app process (MALLOC_ARENA_MAX; glibc's default is 8 per
 * core). Native memory (the Temporal SDK's Rust threads, V8's compiler threads) otherwise spreads
 * over an arena per thread, each keeping what it was once given: in the soak the inventory worker
 * stepped up 20 MiB in a minute and stayed there while its V8 heap did not move. With two arenas
 * the memory freed goes back, for a few % more CPU in a burst (docs/performance.md, The order worker).
 */
export const MALLOC_ARENAS = 2;

/**
 * The environment an app process is started with, read before any of our code runs (Node's flags,
 * glibc's arenas), so set where the process is started: dev/stack.ts, the Kubernetes manifests and
 * the compose file, which deploy/deploy.integration.test.ts keeps in agreement with this function.
 */
export function appProcessEnv(name: ServiceName | 'api'): { NODE_OPTIONS: string; MALLOC_ARENA_MAX: string } {
  const flags = [`--max-semi-space-size=${V8_SEMI_SPACE_MB}`];
  if (name === 'order') flags.push(`--max-old-space-size=${ORDER_WORKER_HEAP_MB}`);
  return { NODE_OPTIONS: flags.join(' '), MALLOC_ARENA_MAX: String(MALLOC_ARENAS) };
}

export { temporalEnv } from './temporal-connection.js';

export const databaseEnv = z.object({
  /** Host, port and database; each service logs in with its own role (see serviceDatabaseUrl). */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://127.0.0.1:5432/orderflow'),
  DATABASE_POOL_MAX: positiveInt.max(100).default(10),
});

/** `npm run migrate`: who may create the database, its roles and schemas. */
export const migrateEnv = z.object({
  /** A role with CREATEDB and CREATEROLE; required in production, the local superuser in development. */
  DATABASE_ADMIN_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
});

export const smtpEnv = z.object({
  /** smtp:// or smtps:// URL; unset means write .eml files to MAIL_OUTBOX_DIR instead (development only). */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  MAIL_FROM: z.string().min(3).optional(),
});
export const DEVELOPMENT_MAIL_FROM = 'Orderflow <orders@orderflow.local>';

export function mailDevelopmentSettings(smtp: z.infer<typeof smtpEnv>): DevelopmentSetting[] {
  return [
    ...(smtp.SMTP_URL ? [] : [{ variable: 'SMTP_URL', problem: 'not set: mail goes to the .eml outbox (MAIL_OUTBOX_DIR), which reaches no customer' }]),
    ...(smtp.MAIL_FROM ? [] : [{ variable: 'MAIL_FROM', problem: `not set: the development sender ${DEVELOPMENT_MAIL_FROM}` }]),
  ];
}

/** The payment worker's provider (activities/payment/provider.ts). */
export const paymentEnv = z
  .object({
    /** `sandbox`: the development stand-in (dev/payment-sandbox), refused in production. `stripe`: Stripe's API. */
    PAYMENT_PROVIDER: z.enum(['sandbox', 'stripe']).default('sandbox'),
    /** Where the sandbox provider listens (`npm run up` starts it there); loopback only. */
    PAYMENT_SANDBOX_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9470'),
    /** Stripe's secret (or restricted) key; required with PAYMENT_PROVIDER=stripe. */
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'a Stripe secret key (sk_live_..., rk_live_...)').optional(),
    /** Another Stripe API base URL: stripe-mock in tests. Refused in production. */
    STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** One provider call's bound; a slower call is retried with the same idempotency key. */
    PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  })
  .refine((payment) => payment.PAYMENT_PROVIDER !== 'stripe' || payment.STRIPE_SECRET_KEY !== undefined, {
    path: ['STRIPE_SECRET_KEY'],
    message: 'required with PAYMENT_PROVIDER=stripe',
  });
export type PaymentConfig = z.infer<typeof paymentEnv>;

export function paymentDevelopmentSettings(payment: PaymentConfig): DevelopmentSetting[] {
  const settings: DevelopmentSetting[] = [];
  if (payment.PAYMENT_PROVIDER === 'sandbox') {
    const host = new URL(payment.PAYMENT_SANDBOX_URL).hostname;
    settings.push({ variable: 'PAYMENT_PROVIDER', problem: `sandbox: a development stand-in that charges no one${isLoopbackHost(host) ? '' : ', and PAYMENT_SANDBOX_URL is not loopback'}` });
  }
  if (payment.PAYMENT_PROVIDER === 'stripe' && payment.STRIPE_SECRET_KEY?.includes('_test_')) {
    settings.push({ variable: 'STRIPE_SECRET_KEY', problem: 'a test-mode key: Stripe charges no one with it' });
  }
  if (payment.STRIPE_API_URL !== undefined) settings.push({ variable: 'STRIPE_API_URL', problem: 'points the Stripe client away from Stripe (stripe-mock in tests)' });
  return settings;
}

const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const csv = (value: string) => value.split(',').map((part) => part.trim()).filter(Boolean);

export const authEnv = z
  .object({
    /** HS256 development tokens (`npx orderflow token mint`); refused in production. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** An identity provider's JSON Web Key Set (Keycloak, Auth0, Cognito, any OIDC provider). */
    JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    JWT_ALGORITHMS: z
      .string()
      .default('RS256,ES256')
      .transform(csv)
      .pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /** Seconds of clock skew allowed on exp and nbf. */
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
    /** Where the roles are in the token: a claim name or a dotted path (Keycloak: realm_access.roles). */
    JWT_ROLES_CLAIM: z.string().regex(/^[\w:/-]+(\.[\w:/-]+)*$/, 'a claim name or dotted path').default('roles'),
    /** After an unknown `kid`, how long before the key set may be fetched again (rotation pick-up). */
    JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
    JWT_JWKS_CACHE_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
  })
  .refine((auth) => auth.JWT_SECRET !== undefined || auth.JWT_JWKS_URL !== undefined, {
    path: ['JWT_JWKS_URL'],
    message: 'set JWT_JWKS_URL (your identity provider) or, for development, JWT_SECRET (npm run up generates one)',
  });
export type AuthConfig = z.infer<typeof authEnv>;
export const DEVELOPMENT_ISSUER = 'orderflow';
export const DEVELOPMENT_AUDIENCE = 'orderflow-api';

export function authDevelopmentSettings(auth: AuthConfig): DevelopmentSetting[] {
  const settings: DevelopmentSetting[] = [];
  if (auth.JWT_SECRET !== undefined) {
    settings.push({ variable: 'JWT_SECRET', problem: 'HS256 shared-secret tokens are development tokens; verify your identity provider\'s tokens with JWT_JWKS_URL' });
  }
  if (auth.JWT_JWKS_URL === undefined) {
    settings.push({ variable: 'JWT_JWKS_URL', problem: 'not set: production verifies tokens against the identity provider\'s key set' });
  } else {
    const url = new URL(auth.JWT_JWKS_URL);
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) settings.push({ variable: 'JWT_JWKS_URL', problem: 'must be https (keys fetched in the clear can be forged)' });
  }
  if (auth.JWT_ISSUER === undefined) settings.push({ variable: 'JWT_ISSUER', problem: `not set: the development issuer "${DEVELOPMENT_ISSUER}"` });
  if (auth.JWT_AUDIENCE === undefined) settings.push({ variable: 'JWT_AUDIENCE', problem: `not set: the development audience "${DEVELOPMENT_AUDIENCE}"` });
  return settings;
}

const hostPort = z.string().regex(/^(\[[\da-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'host:port');

export const apiEnv = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  /** Prometheus metrics are served on their own listener, loopback unless told otherwise. */
  API_METRICS_ADDRESS: hostPort.default('127.0.0.1:9463'),
});

export const rateLimitEnv = z.object({
  /** POST /orders per customer, and catalog writes per admin: requests per window. */
  RATE_LIMIT_ORDERS: positiveInt.max(100_000).default(30),
  RATE_LIMIT_ORDERS_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
  RATE_LIMIT_CATALOG_WRITES: positiveInt.max(100_000).default(120),
  RATE_LIMIT_CATALOG_WRITES_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
});

export const codecEnv = z.object({
  /** Origins allowed to call /codec from a browser: the Temporal Web UI. */
  CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform(csv),
  /**
   * Development only, and only on a loopback-bound API: a random path segment under which the
   * local Web UI may use the codec without a token (`/codec/<secret>/decode`). `npm run up` sets it.
   */
  CODEC_LOCAL_PATH: z.string().regex(/^[\w-]{16,128}$/, '16-128 URL-safe characters').optional(),
});

export function codecDevelopmentSettings(codec: z.infer<typeof codecEnv>, apiHost: string): DevelopmentSetting[] {
  return codec.CODEC_LOCAL_PATH === undefined ? [] : [{ variable: 'CODEC_LOCAL_PATH', problem: `an unauthenticated codec path for the local Web UI${isLoopbackHost(apiHost) ? '' : ', and API_HOST is not loopback'}` }];
}

/** A Temporal duration string ("30m", "2 days"). */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, 'a duration such as 30m, 12h or 30d')
  .transform((value) => value as Duration);

export const workflowEnv = z.object({
  WORKFLOW_BUNDLE_PATH: z.string().min(1).default('dist/workflow-bundle.js'),
  /** How long a confirmed order stays cancellable, as a Temporal duration string ("30m", "2 days"). */
  ORDER_CANCELLATION_WINDOW: duration.default('30m'),
  /** How long after delivery a customer may ask for a return; an order's workflow completes when it closes. */
  ORDER_RETURN_WINDOW: duration.default('30d'),
  /** How long after an order's first shipment the rest may still ship; what has not by then is cancelled: stock released, price refunded. */
  ORDER_FULFILMENT_WINDOW: duration.default('14d'),
});

/** A true/false setting: `true`/`false` (or `1`/`0`), so that "false" never reads as true. */
const flag = z.enum(['true', 'false', '1', '0'], 'true or false').transform((value) => value === 'true' || value === '1');

/** The notification worker's outbound webhooks (activities/notification/webhooks.ts, docs/webhooks.md). */
export const webhookEnv = z
  .object({
    /** Development only: receivers on this machine's loopback (the local stack's, the tests'). Refused in production. */
    WEBHOOK_ALLOW_LOOPBACK: flag.default(false),
    /** The first backoff after a failed attempt; it doubles up to WEBHOOK_RETRY_MAX. A Retry-After within [this, WEBHOOK_RETRY_MAX] replaces one backoff. */
    WEBHOOK_RETRY_INITIAL: duration.default('10s'),
    WEBHOOK_RETRY_MAX: duration.default('1h'),
    /** After this long since its first attempt, a delivery fails for good. */
    WEBHOOK_GIVE_UP_AFTER: duration.default('24h'),
    /** Attempts one notification process runs at once (the webhooks worker's activity slots; an attempt mostly waits). */
    WEBHOOK_MAX_CONCURRENT_ATTEMPTS: z.coerce.number().int().min(1).max(10_000).default(200),
  })
  .refine((webhook) => msToNumber(webhook.WEBHOOK_RETRY_INITIAL) <= msToNumber(webhook.WEBHOOK_RETRY_MAX), {
    path: ['WEBHOOK_RETRY_INITIAL'],
    message: 'must not be longer than WEBHOOK_RETRY_MAX',
  })
  .refine((webhook) => msToNumber(webhook.WEBHOOK_RETRY_INITIAL) < msToNumber(webhook.WEBHOOK_GIVE_UP_AFTER), {
    path: ['WEBHOOK_GIVE_UP_AFTER'],
    message: 'must be longer than WEBHOOK_RETRY_INITIAL (or no delivery is ever retried)',
  });
export type WebhookConfig = z.infer<typeof webhookEnv>;

export function webhookDevelopmentSettings(webhook: WebhookConfig): DevelopmentSetting[] {
  return webhook.WEBHOOK_ALLOW_LOOPBACK ? [{ variable: 'WEBHOOK_ALLOW_LOOPBACK', problem: "lets webhook subscriptions call this machine's loopback (development receivers)" }] : [];
}

/**
 * Parses several groups of settings at once, so that every problem in any of them is reported
 * together: `parseConfig({ api: apiEnv, auth: authEnv })`.
 */
export function parseConfig<T extends Record<string, z.ZodType>>(schemas: T, env: NodeJS.ProcessEnv = process.env): { [K in keyof T]: z.infer<T[K]> } {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const result = schema.safeParse(env);
    if (result.success) parsed[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return parsed as { [K in keyof T]: z.infer<T[K]> };
}

/**
 * Parses the environment once, at start-up. Every problem is reported together, by variable
 * name, so a misconfigured process fails fast and says why.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}

/**
 * Who owns a schema: each service, and the API for the state its replicas share (rate limits).
 * The API reads the services' schemas only through their reader roles.
 */
export type SchemaOwner = ServiceName | 'api';
export const SCHEMAS: Record<SchemaOwner, string> = { ...SERVICE_SCHEMAS, api: 'api' };

/** The PostgreSQL role a schema's owner, or a reader of it, uses. */
export function databaseRole(owner: SchemaOwner, access: 'owner' | 'reader'): string {
  return access === 'owner' ? `orderflow_${owner}` : `orderflow_${owner}_reader`;
}

/**
 * The connection URL for one service's role: `<SERVICE>_DATABASE_URL` (or
 * `<SERVICE>_READER_DATABASE_URL`) when set, else DATABASE_URL with that role as user.
 */
export function serviceDatabaseUrl(
  service: SchemaOwner,
  access: 'owner' | 'reader',
  databaseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const override = env[`${service.toUpperCase()}${access === 'reader' ? '_READER' : ''}_DATABASE_URL`];
  if (override) return override;
  const url = new URL(databaseUrl);
  url.username = databaseRole(service, access);
  url.password = '';
  return url.toString();
}
