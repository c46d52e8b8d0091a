import type { Client } from '@temporalio/client';
import type { Duration, PayloadCodec } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { InventoryDatabase } from '../activities/inventory/schema.js';
import type { NotificationDatabase } from '../activities/notification/schema.js';
import type { OrderDatabase } from '../activities/order/schema.js';
import type { ProductDatabase } from '../activities/product/schema.js';
import type { Logger } from '../common/logger.js';
import type { Principal, TokenConfig } from '../common/tokens.js';
import type { ApiMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';

/** Read-only connections, one per service schema, each with that service's reader role. */
export interface Readers {
  product: Kysely<ProductDatabase>;
  inventory: Kysely<InventoryDatabase>;
  order: Kysely<OrderDatabase>;
  notification: Kysely<NotificationDatabase>;
}

export interface ApiDeps {
  temporal: Client;
  readers: Readers;
  tokens: TokenConfig;
  log: Logger;
  metrics: ApiMetrics;
  bodyLimitBytes: number;
  cancellationWindow: Duration;
  /** `localPath`: the development-only unauthenticated codec path for the local Web UI. */
  codec: { codec: PayloadCodec; corsOrigins: string[]; localPath?: string };
  /** Each counts one request of a principal and throws 429 past its limit. */
  rateLimits: { orders: RateLimiter; catalogWrites: RateLimiter };
}

export interface ApiEnv {
  Variables: {
    principal?: Principal;
    log: Logger;
    /** The order a request is about, once a route has resolved it: it goes on the request's log line. */
    orderId?: string;
  };
}
