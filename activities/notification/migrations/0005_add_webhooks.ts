import { sql, type Kysely } from 'kysely';

// Outbound webhooks: subscriptions, one delivery per (subscription, event), and every HTTP
// attempt of a delivery (the delivery log). Deleting a subscription drops its log with it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE notification.webhook_subscriptions (
      subscription_id uuid PRIMARY KEY,
      url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
      events          text[] NOT NULL CHECK (cardinality(events) > 0),
      enabled         boolean NOT NULL DEFAULT true,
      description     text CHECK (length(description) <= 200),
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // The signing secret apart, behind row-level security with no policy: only the owner role (the
  // notification worker) reads it. The API's reader role has SELECT on every table of the schema
  // (granted again at every set-up), and still sees no row of this one.
  await sql`
    CREATE TABLE notification.webhook_secrets (
      subscription_id uuid PRIMARY KEY REFERENCES notification.webhook_subscriptions ON DELETE CASCADE,
      secret          text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]{40,}$')
    )`.execute(db);
  await sql`ALTER TABLE notification.webhook_secrets ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`
    CREATE TABLE notification.webhook_deliveries (
      delivery_id     uuid PRIMARY KEY,
      subscription_id uuid NOT NULL REFERENCES notification.webhook_subscriptions ON DELETE CASCADE,
      event_id        text NOT NULL,
      event_type      text NOT NULL,
      order_id        uuid NOT NULL,
      payload         jsonb NOT NULL,
      status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
      failure         text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      delivered_at    timestamptz,
      UNIQUE (subscription_id, event_id),
      CHECK (status <> 'DELIVERED' OR delivered_at IS NOT NULL),
      CHECK (status <> 'FAILED' OR failure IS NOT NULL)
    )`.execute(db);
  // The delivery log: a subscription's deliveries, newest first.
  await sql`CREATE INDEX webhook_deliveries_log ON notification.webhook_deliveries (subscription_id, created_at DESC, delivery_id DESC)`.execute(db);
  await sql`
    CREATE TABLE notification.webhook_attempts (
      delivery_id      uuid NOT NULL REFERENCES notification.webhook_deliveries ON DELETE CASCADE,
      attempt          integer NOT NULL CHECK (attempt > 0),
      started_at       timestamptz NOT NULL DEFAULT now(),
      finished_at      timestamptz,
      status_code      integer CHECK (status_code BETWEEN 100 AND 999),
      latency_ms       integer CHECK (latency_ms >= 0),
      response_excerpt text,
      error            text,
      PRIMARY KEY (delivery_id, attempt)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE notification.webhook_attempts`.execute(db);
  await sql`DROP TABLE notification.webhook_deliveries`.execute(db);
  await sql`DROP TABLE notification.webhook_secrets`.execute(db);
  await sql`DROP TABLE notification.webhook_subscriptions`.execute(db);
}
