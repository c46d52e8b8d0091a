import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { apiEnv, authEnv, codecEnv, databaseEnv, logEnv, parseEnv, SERVICE_SCHEMAS, SERVICES, serviceDatabaseUrl, temporalEnv, workflowEnv } from '../common/config.js';
import { createDatabase } from '../common/database.js';
import { createLogger } from '../common/logger.js';
import { runMain } from '../common/main.js';
import { createApp } from './app.js';
import { createDataConverter, createEncryptionCodec, payloadEnv } from '../common/payload-codec.js';
import type { Readers } from './context.js';

runMain(async () => {
  const env = process.env;
  const { LOG_LEVEL } = parseEnv(logEnv, env);
  const api = parseEnv(apiEnv, env);
  const auth = parseEnv(authEnv, env);
  const temporalConfig = parseEnv(temporalEnv, env);
  const database = parseEnv(databaseEnv, env);
  const { ORDER_CANCELLATION_WINDOW } = parseEnv(workflowEnv, env);
  const log = createLogger('api', LOG_LEVEL);
  if (auth.JWT_SECRET === authEnv.shape.JWT_SECRET.parse(undefined)) {
    log.warn('JWT_SECRET is the development default: set your own outside development');
  }

  const readers = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      createDatabase<unknown>({
        url: serviceDatabaseUrl(service, 'reader', database.DATABASE_URL, env),
        schema: SERVICE_SCHEMAS[service],
        poolMax: database.DATABASE_POOL_MAX,
        applicationName: 'orderflow-api',
      }),
    ]),
  ) as unknown as Readers;
  const payloads = parseEnv(payloadEnv, env);
  const codecConfig = parseEnv(codecEnv, env);
  const codec = createEncryptionCodec(payloads);
  const connection = await Connection.connect({ address: temporalConfig.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: temporalConfig.TEMPORAL_NAMESPACE, dataConverter: createDataConverter(codec) });
  if (codecConfig.CODEC_ALLOW_ANONYMOUS) log.warn('CODEC_ALLOW_ANONYMOUS: the codec endpoint decrypts for anyone who can reach it (local development only)');

  const app = createApp({
    temporal,
    readers,
    tokens: { secret: auth.JWT_SECRET, issuer: auth.JWT_ISSUER, audience: auth.JWT_AUDIENCE },
    log,
    bodyLimitBytes: api.API_BODY_LIMIT_BYTES,
    cancellationWindow: ORDER_CANCELLATION_WINDOW,
    codec: { codec, corsOrigins: codecConfig.CODEC_CORS_ORIGINS, allowAnonymous: codecConfig.CODEC_ALLOW_ANONYMOUS },
  });
  const server = serve({ fetch: app.fetch, hostname: api.API_HOST, port: api.API_PORT }, (info) =>
    log.info({ url: `http://${info.address}:${info.port}` }, 'api listening'),
  );

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close(async () => {
      await connection.close();
      await Promise.all(Object.values(readers).map((db: Kysely<unknown>) => db.destroy()));
      process.exit(0);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
