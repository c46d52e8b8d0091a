import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE inventory.stock (
      sku         text PRIMARY KEY,
      on_hand     integer NOT NULL CHECK (on_hand >= 0),
      reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT reserved_within_on_hand CHECK (reserved <= on_hand)
    )`.execute(db);

  // One row per order: RESERVED -> COMMITTED and RESERVED|COMMITTED -> RELEASED.
  // A release that arrives first leaves a RELEASED tombstone, so a late reserve is a no-op.
  await sql`
    CREATE TABLE inventory.reservations (
      order_id    text PRIMARY KEY,
      status      text NOT NULL CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED')),
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE inventory.reservation_lines (
      order_id  text NOT NULL REFERENCES inventory.reservations (order_id),
      sku       text NOT NULL REFERENCES inventory.stock (sku),
      quantity  integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (order_id, sku)
    )`.execute(db);

  // The ledger: every change to on_hand or reserved, with why and by whom.
  await sql`
    CREATE TABLE inventory.movements (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      sku             text NOT NULL REFERENCES inventory.stock (sku),
      kind            text NOT NULL CHECK (kind IN ('INITIAL', 'ADJUSTMENT', 'RESERVE', 'RELEASE', 'COMMIT')),
      on_hand_delta   integer NOT NULL,
      reserved_delta  integer NOT NULL,
      order_id        text,
      reason          text NOT NULL,
      actor           text NOT NULL,
      -- Set for requests that must apply once (stock initialisation, adjustments).
      idempotency_key text UNIQUE,
      created_at      timestamptz NOT NULL DEFAULT now(),
      CHECK (on_hand_delta <> 0 OR reserved_delta <> 0)
    )`.execute(db);
  await sql`CREATE INDEX movements_sku_idx ON inventory.movements (sku, id)`.execute(db);
  await sql`CREATE INDEX movements_order_idx ON inventory.movements (order_id) WHERE order_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE inventory.movements, inventory.reservation_lines, inventory.reservations, inventory.stock`.execute(db);
}
