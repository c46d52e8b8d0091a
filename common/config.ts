import { z } from 'zod';

/** The four services. Each owns one PostgreSQL schema and one Temporal task queue. */
export const SERVICES = ['product', 'inventory', 'order', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The PostgreSQL schema each service owns. */
export const SERVICE_SCHEMAS = {
  product: 'product',
  inventory: 'inventory',
  order: 'orders',
  notification: 'notification',
} as const satisfies Record<ServiceName, string>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(1).max(65_535);
const positiveInt = z.coerce.number().int().positive();

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const workerEnv = z.object({
  /** Where the worker serves the Temporal SDK's Prometheus metrics (host:port); unset: not served. */
  WORKER_METRICS_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, 'host:port').optional(),
});

export const temporalEnv = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

export const databaseEnv = z.object({
  /** Host, port and database; each service logs in with its own role (see serviceDatabaseUrl). */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://127.0.0.1:5432/orderflow'),
  DATABASE_POOL_MAX: positiveInt.max(100).default(10),
});

export const smtpEnv = z.object({
  /** smtp:// or smtps:// URL; unset means write .eml files to MAIL_OUTBOX_DIR instead. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  MAIL_FROM: z.string().min(3).default('Orderflow <orders@orderflow.local>'),
});

export const authEnv = z.object({
  JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .default('orderflow-development-secret-change-me!'),
  JWT_ISSUER: z.string().min(1).default('orderflow'),
  JWT_AUDIENCE: z.string().min(1).default('orderflow-api'),
});

export const apiEnv = z.object({
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port.default(3000),
  API_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
});

export const codecEnv = z.object({
  /** Origins allowed to call /codec from a browser: the Temporal Web UI. */
  CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:8233,http://localhost:8233')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean)),
  /** Let the Web UI decode without a token. Only for a stack on loopback (npm run up sets it). */
  CODEC_ALLOW_ANONYMOUS: z.stringbool().default(false),
});

export const workflowEnv = z.object({
  WORKFLOW_BUNDLE_PATH: z.string().min(1).default('dist/workflow-bundle.js'),
  /** How long a confirmed order stays cancellable, as a Temporal duration string ("30m", "2 days"). */
  ORDER_CANCELLATION_WINDOW: z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/).default('30m'),
});

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

const roleName = (service: ServiceName, access: 'owner' | 'reader') =>
  access === 'owner' ? `orderflow_${service}` : `orderflow_${service}_reader`;

/** The PostgreSQL role a service (owner) or the API (reader) uses for one service's schema. */
export function databaseRole(service: ServiceName, access: 'owner' | 'reader'): string {
  return roleName(service, access);
}

/**
 * The connection URL for one service's role: `<SERVICE>_DATABASE_URL` (or
 * `<SERVICE>_READER_DATABASE_URL`) when set, else DATABASE_URL with that role as user.
 */
export function serviceDatabaseUrl(
  service: ServiceName,
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
