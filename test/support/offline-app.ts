import { Client } from '@temporalio/client';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createApp } from '../../api/app.js';
import type { Readers } from '../../api/context.js';
import { createApiMetrics } from '../../api/metrics.js';
import { createLogger } from '../../common/logger.js';
import type { OpenApiDocument } from './openapi-contract.js';

/**
 * The API app as the server builds it, with dependencies that are never reached: enough to
 * generate its OpenAPI document (and to answer what fails before a handler runs) without a stack.
 * Nothing connects: the pools and the Temporal connection are lazy, and no handler is called.
 */
export function offlineApp() {
  const reader = () => new Kysely<never>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
  const readers = { product: reader(), inventory: reader(), order: reader(), notification: reader() } as unknown as Readers;
  const noLimit = async () => {};
  return createApp({
    temporal: new Client(),
    readers,
    tokens: { secret: 'offline', algorithms: ['HS256'], issuer: 'offline', audience: 'offline', clockToleranceSeconds: 0, rolesClaim: 'roles' },
    log: createLogger('api', 'silent'),
    metrics: createApiMetrics(),
    bodyLimitBytes: 64 * 1024,
    cancellationWindow: '30m',
    codec: { codec: { encode: async (p) => p, decode: async (p) => p }, corsOrigins: [] },
    rateLimits: { orders: noLimit, catalogWrites: noLimit },
  });
}

/** The document GET /openapi.json answers (it answers 500 with the generator's error when it cannot build one). */
export async function offlineDocument(): Promise<OpenApiDocument> {
  const response = await offlineApp().request('/openapi.json');
  const body = (await response.json()) as OpenApiDocument;
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}
