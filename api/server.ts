import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import {
  apiEnv,
  authDevelopmentSettings,
  authEnv,
  codecDevelopmentSettings,
  codecEnv,
  ConfigError,
  databaseEnv,
  logEnv,
  parseConfig,
  rateLimitEnv,
  SERVICE_SCHEMAS,
  SERVICES,
  serviceDatabaseUrl,
  temporalEnv,
  webhookEnv,
  workflowEnv,
  type ServiceName,
} from '../common/config.js';
import { createDatabase, createPool } from '../common/database.js';
import { checkEnvironment, isLoopbackHost } from '../common/environment.js';
import { temporalConnectionOptions, temporalDevelopmentSettings } from '../common/temporal-connection.js';
import { createLogger } from '../common/logger.js';
import { runMain } from '../common/main.js';
import { createDataConverter, createEncryptionCodec, payloadDevelopmentSettings, payloadEnv } from '../common/payload-codec.js';
import { startTelemetry } from '../common/telemetry.js';
import { tokenConfig } from '../common/tokens.js';
import { createInventoryReads } from '../activities/inventory/reads.js';
import { createNotificationReads } from '../activities/notification/reads.js';
import { createOrderReads } from '../activities/order/reads.js';
import { createPaymentReads } from '../activities/payment/reads.js';
import { createProductReads } from '../activities/product/reads.js';
import { createApp, redactLocalCodecPath } from './app.js';
import type { Readers } from './context.js';
import { createApiMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';
import { createRateLimiter } from './rate-limit.js';

runMain(async () => {
  const env = process.env;
  const config = parseConfig(
    { log: logEnv, api: apiEnv, auth: authEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, payloads: payloadEnv, codec: codecEnv, limits: rateLimitEnv, webhook: webhookEnv },
    env,
  );
  const { api, auth, database, payloads, limits, codec: codecConfig, temporal: temporalConfig } = config;
  const { LOG_LEVEL } = config.log;
  const { ORDER_CANCELLATION_WINDOW, ORDER_RETURN_WINDOW, ORDER_FULFILMENT_WINDOW } = config.workflow;
  const { WEBHOOK_RETRY_INITIAL, WEBHOOK_RETRY_MAX, WEBHOOK_GIVE_UP_AFTER } = config.webhook;
  checkEnvironment(env, [...authDevelopmentSettings(auth), ...payloadDevelopmentSettings(env), ...codecDevelopmentSettings(codecConfig, api.API_HOST), ...temporalDevelopmentSettings(temporalConfig)]);
  if (codecConfig.CODEC_LOCAL_PATH !== undefined && !isLoopbackHost(api.API_HOST)) {
    throw new ConfigError(`Invalid configuration:\n  CODEC_LOCAL_PATH: an unauthenticated codec path is only served on a loopback API_HOST (not ${api.API_HOST})`);
  }
  const log = createLogger('api', LOG_LEVEL);
  const telemetry = startTelemetry('orderflow-api', env);

  // One read-only connection per service schema, each with that service's reader role.
  const readerDatabases = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      createDatabase<unknown>({
        url: serviceDatabaseUrl(service, 'reader', database.DATABASE_URL, env),
        schema: SERVICE_SCHEMAS[service],
        poolMax: database.DATABASE_POOL_MAX,
        applicationName: 'orderflow-api',
      }),
    ]),
  ) as Record<ServiceName, Kysely<unknown>>;
  // The API's own schema (rate-limit counters shared by every replica), with its own role.
  const ownPool = createPool({ url: serviceDatabaseUrl('api', 'owner', database.DATABASE_URL, env), poolMax: database.DATABASE_POOL_MAX, applicationName: 'orderflow-api' });
  const codec = createEncryptionCodec(payloads);
  const connection = await Connection.connect(temporalConnectionOptions(temporalConfig));
  const temporal = new Client({ connection, namespace: temporalConfig.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(codec), plugins: [telemetry.temporalPlugin] });
  // The local codec path is a secret: it must not become a label value either.
  const metrics = createApiMetrics(redactLocalCodecPath(codecConfig.CODEC_LOCAL_PATH));

  const readers: Readers = {
    products: createProductReads(readerDatabases.product),
    inventory: createInventoryReads(readerDatabases.inventory),
    orders: createOrderReads(readerDatabases.order, temporal),
    notifications: createNotificationReads(readerDatabases.notification),
    payments: createPaymentReads(readerDatabases.payment),
  };
  const app = createApp({
    temporal,
    readers,
    databaseChecks: Object.fromEntries(SERVICES.map((service) => [`postgres:${service}`, () => sql`SELECT 1`.execute(readerDatabases[service])])),
    tokens: tokenConfig(auth),
    log,
    metrics,
    bodyLimitBytes: api.API_BODY_LIMIT_BYTES,
    cancellationWindow: ORDER_CANCELLATION_WINDOW,
    returnWindow: ORDER_RETURN_WINDOW,
    fulfilmentWindow: ORDER_FULFILMENT_WINDOW,
    // A redelivery retries as the notification worker's deliveries do: the same settings.
    webhookRetry: { initialInterval: String(WEBHOOK_RETRY_INITIAL), maximumInterval: String(WEBHOOK_RETRY_MAX), giveUpAfter: String(WEBHOOK_GIVE_UP_AFTER) },
    codec: { codec, corsOrigins: codecConfig.CODEC_CORS_ORIGINS, ...(codecConfig.CODEC_LOCAL_PATH && { localPath: codecConfig.CODEC_LOCAL_PATH }) },
    rateLimits: {
      orders: createRateLimiter(ownPool, 'orders', { points: limits.RATE_LIMIT_ORDERS, windowSeconds: limits.RATE_LIMIT_ORDERS_WINDOW_SECONDS }, log),
      catalogWrites: createRateLimiter(ownPool, 'catalog-writes', { points: limits.RATE_LIMIT_CATALOG_WRITES, windowSeconds: limits.RATE_LIMIT_CATALOG_WRITES_WINDOW_SECONDS }, log),
    },
  });
  const server = serve({ fetch: app.fetch, hostname: api.API_HOST, port: api.API_PORT }, (info) =>
    log.info({ url: `http://${info.address}:${info.port}`, node: process.version }, 'api listening'),
  );
  const metricsServer = startMetricsServer(metrics.registry, api.API_METRICS_ADDRESS, log);

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    metricsServer.close();
    server.close(async () => {
      await connection.close();
      await Promise.all(Object.values(readerDatabases).map((db) => db.destroy()));
      await ownPool.end();
      await telemetry.shutdown();
      process.exit(0);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
