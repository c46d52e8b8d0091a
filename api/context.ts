import type { Client } from '@temporalio/client';
import type { Duration, PayloadCodec } from '@temporalio/common';
import type { InventoryReads } from '../activities/inventory/reads.js';
import type { NotificationReads } from '../activities/notification/reads.js';
import type { WebhookRetryPolicy } from '../activities/notification/webhooks.contract.js';
import type { OrderReads } from '../activities/order/reads.js';
import type { PaymentReads } from '../activities/payment/reads.js';
import type { ProductReads } from '../activities/product/reads.js';
import type { Logger } from '../common/logger.js';
import type { Principal, TokenConfig } from '../common/tokens.js';
import type { ApiMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';

/** The services' read ports: each reads its own schema with that service's reader role. */
export interface Readers {
  products: ProductReads;
  inventory: InventoryReads;
  orders: OrderReads;
  notifications: NotificationReads;
  payments: PaymentReads;
}

export interface ApiDeps {
  temporal: Client;
  readers: Readers;
  /** What /readyz checks besides Temporal, by name (`postgres:<service>`): each rejects when its database is out of reach. */
  databaseChecks: Record<string, () => Promise<unknown>>;
  tokens: TokenConfig;
  log: Logger;
  metrics: ApiMetrics;
  bodyLimitBytes: number;
  cancellationWindow: Duration;
  /** How long after delivery an order's customer may ask for a return (ORDER_RETURN_WINDOW). */
  returnWindow: Duration;
  /** How long after its first shipment the rest of an order may still ship (ORDER_FULFILMENT_WINDOW). */
  fulfilmentWindow: Duration;
  /** How a manual redelivery's run retries, as the notification worker's deliveries do (WEBHOOK_RETRY_*). */
  webhookRetry: WebhookRetryPolicy;
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
