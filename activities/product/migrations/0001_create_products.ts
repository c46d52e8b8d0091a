import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE product.products (
      sku          text PRIMARY KEY CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{1,63}$'),
      name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
      price_cents  integer NOT NULL CHECK (price_cents >= 0),
      currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      active       boolean NOT NULL DEFAULT true,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE product.products`.execute(db);
}
