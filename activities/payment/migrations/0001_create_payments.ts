import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per order: recorded once the provider has answered the authorisation, then moved
  // on by guarded UPDATEs (AUTHORISED -> CAPTURED | VOIDED, CAPTURED -> PARTIALLY_REFUNDED ->
  // REFUNDED). Amounts in the currency's minor units. `method` is the provider's token, never card data.
  await sql`
    CREATE TABLE payment.payments (
      order_id          uuid PRIMARY KEY,
      provider          text NOT NULL CHECK (provider IN ('sandbox', 'stripe')),
      method            text NOT NULL CHECK (method ~ '^pm_[A-Za-z0-9_]+$'),
      authorisation_id  text,
      status            text NOT NULL CHECK (status IN ('AUTHORISED', 'DECLINED', 'VOIDED', 'CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
      amount_cents      integer NOT NULL CHECK (amount_cents > 0),
      currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      captured_cents    integer NOT NULL DEFAULT 0,
      refunded_cents    integer NOT NULL DEFAULT 0,
      decline_code      text,
      authorised_at     timestamptz,
      expires_at        timestamptz,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT amounts_in_order CHECK (0 <= refunded_cents AND refunded_cents <= captured_cents AND captured_cents <= amount_cents),
      -- A declined payment has a decline code and nothing else from the provider; any other has an authorisation.
      CONSTRAINT declined_or_authorised CHECK (
        CASE WHEN status = 'DECLINED'
          THEN decline_code IS NOT NULL AND authorisation_id IS NULL AND authorised_at IS NULL AND expires_at IS NULL
          ELSE decline_code IS NULL AND authorisation_id IS NOT NULL AND authorised_at IS NOT NULL AND expires_at IS NOT NULL
        END),
      CONSTRAINT captured_when_taken CHECK ((status IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED')) = (captured_cents > 0)),
      CONSTRAINT refunded_when_given_back CHECK ((status IN ('PARTIALLY_REFUNDED', 'REFUNDED')) = (refunded_cents > 0))
    )`.execute(db);

  // What was asked of the provider and what it answered, one row per idempotency key: a step
  // recorded here is never counted twice (a refund adds to refunded_cents once per refund ID).
  await sql`
    CREATE TABLE payment.payment_operations (
      id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      order_id            uuid NOT NULL REFERENCES payment.payments (order_id),
      kind                text NOT NULL CHECK (kind IN ('authorise', 'capture', 'void', 'refund')),
      idempotency_key     text NOT NULL UNIQUE,
      provider_reference  text,
      amount_cents        integer CHECK (amount_cents > 0),
      outcome             text NOT NULL CHECK (outcome IN ('SUCCEEDED', 'DECLINED', 'EXPIRED')),
      created_at          timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX payment_operations_order_idx ON payment.payment_operations (order_id, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE payment.payment_operations, payment.payments`.execute(db);
}
